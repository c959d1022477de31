BEGIN TRANSACTION;
CREATE TABLE rtr_admins (
	id INTEGER NOT NULL, 
	username VARCHAR(120) NOT NULL, 
	password_hash VARCHAR(300) NOT NULL, 
	created_at FLOAT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (username)
);
INSERT INTO "rtr_admins" VALUES(1,'ann','scrypt:131072:8:1$legacylegacylega$4834c00ca7096f494ef7c8622fd049933500d5ae4b031d037dc1fb6bb6b538e2accb29adf68c92af4393da0dde86d18a9c58913a8d5bd6e14715c18ae4182b82',1764552200.0);
INSERT INTO "rtr_admins" VALUES(2,'bob','scrypt:131072:8:1$legacylegacylega$0ad07adfd82aff80705c8c6f820282c7caf6b3827978eca0bb8902b6a9277276b6a33be8426a3c4ccb57b6151f89aa93b70a6761a32806e055cdfebaec320bd1',1764552201.0);
CREATE TABLE rtr_attempts (
	id INTEGER NOT NULL, 
	delivery_id INTEGER NOT NULL, 
	at FLOAT NOT NULL, 
	outcome VARCHAR(20) NOT NULL, 
	detail TEXT NOT NULL, 
	duration_ms INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(delivery_id) REFERENCES rtr_deliveries (id) ON DELETE CASCADE
);
INSERT INTO "rtr_attempts" VALUES(1,1,1764551302.0,'delivered','250 OK',25);
INSERT INTO "rtr_attempts" VALUES(2,2,1764551302.0,'retry','HTTP 500',25);
INSERT INTO "rtr_attempts" VALUES(3,3,1764551301.0,'dead','550 mailbox unavailable',40);
INSERT INTO "rtr_attempts" VALUES(4,4,1764551304.0,'delivered','250 OK',12);
INSERT INTO "rtr_attempts" VALUES(5,7,1764551303.0,'disabled','HTTP 410 Gone',10);
INSERT INTO "rtr_attempts" VALUES(6,8,1764551304.0,'delivered','250 OK',12);
CREATE TABLE rtr_audit_log (
	id INTEGER NOT NULL, 
	at FLOAT NOT NULL, 
	actor VARCHAR(120) NOT NULL, 
	widget_id VARCHAR(64), 
	action VARCHAR(60) NOT NULL, 
	detail TEXT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "rtr_audit_log" VALUES(1,1764552201.0,'command line',NULL,'admin.created','bob');
INSERT INTO "rtr_audit_log" VALUES(2,1764552300.0,'ann','harbor','widget.settings','heading');
INSERT INTO "rtr_audit_log" VALUES(3,1764552300.0,'ann',NULL,'leads.exported','CSV export');
CREATE TABLE rtr_daily_stats (
	widget_id VARCHAR(64) NOT NULL, 
	day VARCHAR(10) NOT NULL, 
	views INTEGER NOT NULL, 
	submissions INTEGER NOT NULL, 
	blocked INTEGER NOT NULL, 
	PRIMARY KEY (widget_id, day)
);
INSERT INTO "rtr_daily_stats" VALUES('harbor','2025-12-01',3,3,1);
INSERT INTO "rtr_daily_stats" VALUES('gone','2025-12-01',0,1,0);
INSERT INTO "rtr_daily_stats" VALUES('quiet','2025-12-01',0,2,1);
INSERT INTO "rtr_daily_stats" VALUES('harbor','2025-12-02',1,0,0);
CREATE TABLE rtr_deliveries (
	id INTEGER NOT NULL, 
	lead_id INTEGER NOT NULL, 
	widget_id VARCHAR(64) NOT NULL, 
	channel VARCHAR(20) NOT NULL, 
	target JSON NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at FLOAT NOT NULL, 
	lease_until FLOAT, 
	leased_by VARCHAR(80), 
	message_id VARCHAR(200) NOT NULL, 
	last_error TEXT, 
	created_at FLOAT NOT NULL, 
	delivered_at FLOAT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(lead_id) REFERENCES rtr_leads (id) ON DELETE CASCADE, 
	UNIQUE (message_id)
);
INSERT INTO "rtr_deliveries" VALUES(1,1,'harbor','email','["intake@harbor.example"]','delivered',1,1764550800.0,NULL,NULL,'<f99f5eff052b46e7bd60e93af74f4e43.lead@ready-to-rebuild>',NULL,1764550800.0,1764551302.0);
INSERT INTO "rtr_deliveries" VALUES(2,1,'harbor','webhook','"https://crm.example.com/hook"','pending',1,1764551332.0,NULL,NULL,'msg_f99f5eff052b46e7bd60e93af74f4e43','HTTP 500',1764550800.0,NULL);
INSERT INTO "rtr_deliveries" VALUES(3,1,'harbor','confirmation','["ana@example.org"]','dead',1,1764550800.0,NULL,NULL,'<f99f5eff052b46e7bd60e93af74f4e43.thanks@ready-to-rebuild>','550 mailbox unavailable',1764550800.0,NULL);
INSERT INTO "rtr_deliveries" VALUES(4,2,'harbor','email','["intake@harbor.example"]','delivered',1,1764550900.0,NULL,NULL,'<ee0ecd122d8e4baeb44eb7b1cd5bc305.lead@ready-to-rebuild>',NULL,1764550900.0,1764551304.0);
INSERT INTO "rtr_deliveries" VALUES(5,2,'harbor','webhook','"https://crm.example.com/hook"','pending',0,1764550900.0,1764551360.0,'legacy-worker','msg_ee0ecd122d8e4baeb44eb7b1cd5bc305',NULL,1764550900.0,NULL);
INSERT INTO "rtr_deliveries" VALUES(6,2,'harbor','confirmation','["sam@example.org"]','pending',0,1764550900.0,1764551360.0,'legacy-worker','<ee0ecd122d8e4baeb44eb7b1cd5bc305.thanks@ready-to-rebuild>',NULL,1764550900.0,NULL);
INSERT INTO "rtr_deliveries" VALUES(7,3,'gone','webhook','"https://gone.example/h"','disabled',1,1764551000.0,NULL,NULL,'msg_ae3cd59b8e14420bb8b3f69ef41c8ea1','HTTP 410 Gone',1764551000.0,NULL);
INSERT INTO "rtr_deliveries" VALUES(8,4,'quiet','email','["hello@quiet.example"]','delivered',1,1764551100.0,NULL,NULL,'<517ba9b46e0b4d18b7db8f34b114b6b2.lead@ready-to-rebuild>',NULL,1764551100.0,1764551304.0);
CREATE TABLE rtr_installation_settings (
	"key" VARCHAR(60) NOT NULL, 
	value TEXT NOT NULL, 
	updated_at FLOAT NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "rtr_installation_settings" VALUES('smtp','{"host": "smtp.harbor.example", "port": 587, "security": "starttls", "username": "intake", "password": "p4ss w0rd", "mail_from": "Harbor Light <intake@harbor.example>"}',1764552600.0);
CREATE TABLE rtr_leads (
	id INTEGER NOT NULL, 
	public_id VARCHAR(40) NOT NULL, 
	widget_id VARCHAR(64) NOT NULL, 
	created_at FLOAT NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	phone VARCHAR(40) NOT NULL, 
	contact_method VARCHAR(20) NOT NULL, 
	ok_to_email BOOLEAN NOT NULL, 
	ok_to_text BOOLEAN NOT NULL, 
	ok_to_voicemail BOOLEAN NOT NULL, 
	service VARCHAR(200) NOT NULL, 
	location VARCHAR(200) NOT NULL, 
	message TEXT NOT NULL, 
	page_url VARCHAR(2000) NOT NULL, 
	utm JSON NOT NULL, 
	language VARCHAR(10) NOT NULL, 
	consent_text TEXT NOT NULL, 
	consent_version VARCHAR(40) NOT NULL, 
	consented_at FLOAT NOT NULL, 
	settings_version INTEGER NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	contacted_at FLOAT, 
	delivered_at FLOAT, 
	PRIMARY KEY (id), 
	UNIQUE (public_id), 
	FOREIGN KEY(widget_id) REFERENCES rtr_widgets (id) ON DELETE CASCADE
);
INSERT INTO "rtr_leads" VALUES(1,'f99f5eff052b46e7bd60e93af74f4e43','harbor',1764550800.0,'Ana Lucía O''Brien','ana@example.org','+1 (555) 010-2030','phone',1,1,0,'Couples therapy','Downtown','Evenings are best.','https://harbor.example/blog/trust','{"utm_source": "newsletter", "utm_campaign": "spring"}','en','I agree.','c1',1764550800.0,2,'contacted',1764551400.0,NULL);
INSERT INTO "rtr_leads" VALUES(2,'ee0ecd122d8e4baeb44eb7b1cd5bc305','harbor',1764550900.0,'Sam','sam@example.org','','',0,0,0,'','','','','{}','en','I agree.','c1',1764550900.0,2,'new',NULL,NULL);
INSERT INTO "rtr_leads" VALUES(3,'ae3cd59b8e14420bb8b3f69ef41c8ea1','gone',1764551000.0,'Noor','noor@example.org','','',0,0,0,'','','','','{}','es','I agree.','c1',1764551000.0,1,'new',NULL,NULL);
INSERT INTO "rtr_leads" VALUES(4,'517ba9b46e0b4d18b7db8f34b114b6b2','quiet',1764551100.0,'Quinn','quinn@example.org','','',0,0,0,'','','','','{}','es','Sí.','c2',1764551100.0,1,'new',NULL,1764551304.0);
CREATE TABLE rtr_used_tokens (
	nonce VARCHAR(64) NOT NULL, 
	used_at FLOAT NOT NULL, 
	PRIMARY KEY (nonce)
);
INSERT INTO "rtr_used_tokens" VALUES('nonce-full',1764550800.0);
INSERT INTO "rtr_used_tokens" VALUES('nonce-sam',1764550900.0);
INSERT INTO "rtr_used_tokens" VALUES('nonce-noor',1764551000.0);
CREATE TABLE rtr_widgets (
	id VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	settings JSON NOT NULL, 
	version INTEGER NOT NULL, 
	webhook_secret VARCHAR(100) NOT NULL, 
	previous_webhook_secret VARCHAR(100), 
	secret_rotated_at FLOAT, 
	webhook_disabled_at FLOAT, 
	created_at FLOAT NOT NULL, 
	updated_at FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "rtr_widgets" VALUES('harbor','Harbor Light','{"practice_name": "Harbor Light Couples Therapy", "heading": "Ready when you are", "intro": "When trust breaks, it can feel like the ground moved under you. We help couples and individuals slow down, make sense of what happened, and decide what comes next.", "steps": [{"title": "Book a free consultation", "text": "A short, no-pressure call to talk about what''s going on and whether we''re a good fit.", "link_url": "https://example.com/consultation", "link_label": "How the consultation works"}, {"title": "Read a little more", "text": "Learn how therapy can help you heal, together or on your own.", "link_url": "https://example.com/blog", "link_label": "More articles on trust and repair"}, {"title": "You are not alone", "text": "Many people come to us after trust was broken. Healing is possible at your own pace.", "link_url": "", "link_label": ""}], "services": [{"name": "Couples therapy", "description": "Repair after betrayal, rebuild communication and closeness.", "url": "https://example.com/couples-therapy"}, {"name": "Individual therapy", "description": "Space to sort through your own grief, anger and next steps.", "url": "https://example.com/individual-therapy"}, {"name": "Family therapy", "description": "Help for families finding their footing after a hard season.", "url": "https://example.com/family-therapy"}], "locations": [{"name": "Los Angeles office", "city": "Los Angeles, CA", "url": "https://example.com/los-angeles"}, {"name": "Las Vegas office", "city": "Las Vegas, NV", "url": "https://example.com/las-vegas"}, {"name": "Online sessions", "city": "telehealth", "url": "https://example.com/telehealth"}], "accepting_new_clients": true, "waitlist_text": "We have a short waitlist right now. Leave your details and we''ll reach out as soon as a spot opens.", "response_time": "within one business day", "crisis_notice": "If you are in danger or thinking about harming yourself, please don''t wait for us. Call or text 988, or chat at 988lifeline.org, to reach the Suicide & Crisis Lifeline any time. In an emergency, call 911.", "consent_text": "I agree that the practice may contact me about this request using the details above. I understand this form is not for emergencies.", "submit_label": "Request my free consultation", "launcher_label": "Ready to rebuild?", "thank_you_heading": "Thank you for reaching out", "thank_you_text": "Your request is safely with us. Someone from our team will contact you {response_time}.", "theme": {"accent_color": "#7a3e5d", "background_color": "#fffaf6", "text_color": "#2b2a33", "radius": 12, "font_stack": "system-ui, -apple-system, ''Segoe UI'', Roboto, sans-serif"}, "language": "en", "allowed_origins": [], "fields": {"phone": true, "contact_method": true, "service": true, "location": true, "message": true}, "notify_emails": ["intake@harbor.example"], "detail_level": "contact", "alert_email": "", "confirmation_email": true, "webhook_url": "https://crm.example.com/hook", "webhook_format": "generic", "hubspot_portal_id": "", "hubspot_form_guid": "", "retention_days": 90}',2,'whsec_Rm9yRm9yRm9yRm9yRm9yRm9yRm9yRm9y','whsec_SGFyYm9yTGlnaHRTZWNyZXRLZXk=',1764547320.0,NULL,1764547200.0,1764547260.0);
INSERT INTO "rtr_widgets" VALUES('quiet','Quiet Practice','{"practice_name": "Quiet Practice", "heading": "Ready to rebuild?", "intro": "Whatever happened, you don''t have to sort it out alone. Reaching out is a first step, and it can be a small one.", "steps": [{"title": "Book a free consultation", "text": "A short, no-pressure call to talk about what''s going on and whether we''re a good fit.", "link_url": "", "link_label": ""}, {"title": "Read a little more", "text": "Learn how therapy can help you heal, together or on your own.", "link_url": "", "link_label": ""}, {"title": "You are not alone", "text": "Many people come to us after trust was broken. Healing is possible at your own pace.", "link_url": "", "link_label": ""}], "services": [], "locations": [], "accepting_new_clients": true, "waitlist_text": "We have a short waitlist right now. Leave your details and we''ll reach out as soon as a spot opens.", "response_time": "within one business day", "crisis_notice": "If you are in danger or thinking about harming yourself, please don''t wait for us. Call or text 988, or chat at 988lifeline.org, to reach the Suicide & Crisis Lifeline any time. In an emergency, call 911.", "consent_text": "I agree that the practice may contact me about this request using the details above. I understand this form is not for emergencies.", "submit_label": "Request my free consultation", "launcher_label": "Ready to rebuild?", "thank_you_heading": "Thank you for reaching out", "thank_you_text": "Your request is safely with us. Someone from our team will contact you {response_time}.", "theme": {"accent_color": "#7a3e5d", "background_color": "#fffaf6", "text_color": "#2b2a33", "radius": 12, "font_stack": "system-ui, -apple-system, ''Segoe UI'', Roboto, sans-serif"}, "language": "en", "allowed_origins": [], "fields": {"phone": true, "contact_method": false, "service": false, "location": false, "message": false}, "notify_emails": ["hello@quiet.example"], "detail_level": "contact", "alert_email": "", "confirmation_email": false, "webhook_url": "", "webhook_format": "generic", "hubspot_portal_id": "", "hubspot_form_guid": "", "retention_days": 90}',1,'whsec_UXVpZXRQcmFjdGljZVNlY3JldEs=',NULL,NULL,NULL,1764547200.0,1764547200.0);
INSERT INTO "rtr_widgets" VALUES('gone','Gone Hook','{"practice_name": "Gone Hook", "heading": "Ready to rebuild?", "intro": "Whatever happened, you don''t have to sort it out alone. Reaching out is a first step, and it can be a small one.", "steps": [{"title": "Book a free consultation", "text": "A short, no-pressure call to talk about what''s going on and whether we''re a good fit.", "link_url": "", "link_label": ""}, {"title": "Read a little more", "text": "Learn how therapy can help you heal, together or on your own.", "link_url": "", "link_label": ""}, {"title": "You are not alone", "text": "Many people come to us after trust was broken. Healing is possible at your own pace.", "link_url": "", "link_label": ""}], "services": [], "locations": [], "accepting_new_clients": true, "waitlist_text": "We have a short waitlist right now. Leave your details and we''ll reach out as soon as a spot opens.", "response_time": "within one business day", "crisis_notice": "If you are in danger or thinking about harming yourself, please don''t wait for us. Call or text 988, or chat at 988lifeline.org, to reach the Suicide & Crisis Lifeline any time. In an emergency, call 911.", "consent_text": "I agree that the practice may contact me about this request using the details above. I understand this form is not for emergencies.", "submit_label": "Request my free consultation", "launcher_label": "Ready to rebuild?", "thank_you_heading": "Thank you for reaching out", "thank_you_text": "Your request is safely with us. Someone from our team will contact you {response_time}.", "theme": {"accent_color": "#7a3e5d", "background_color": "#fffaf6", "text_color": "#2b2a33", "radius": 12, "font_stack": "system-ui, -apple-system, ''Segoe UI'', Roboto, sans-serif"}, "language": "en", "allowed_origins": [], "fields": {"phone": true, "contact_method": false, "service": false, "location": false, "message": false}, "notify_emails": [], "detail_level": "contact", "alert_email": "", "confirmation_email": false, "webhook_url": "https://gone.example/h", "webhook_format": "generic", "hubspot_portal_id": "", "hubspot_form_guid": "", "retention_days": 90}',1,'whsec_R29uZUhvb2tTZWNyZXRLZXlYWA==',NULL,NULL,1764551303.0,1764547200.0,1764547200.0);
CREATE INDEX ix_rtr_leads_widget_created ON rtr_leads (widget_id, created_at);
CREATE INDEX ix_rtr_deliveries_lead ON rtr_deliveries (lead_id);
CREATE INDEX ix_rtr_deliveries_due ON rtr_deliveries (status, next_attempt_at);
CREATE INDEX ix_rtr_attempts_delivery ON rtr_attempts (delivery_id);
COMMIT;
