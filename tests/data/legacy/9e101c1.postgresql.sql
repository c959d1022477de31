--
-- PostgreSQL database dump
--

\restrict ZVqT4ie3g5gq9RuumsCAbU2kxIFk0j677p2RFf5IR9tohiaWY28pMi9j92B3Oog

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: rtr_admins; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rtr_admins (
    id integer NOT NULL,
    username character varying(120) NOT NULL,
    password_hash character varying(300) NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: rtr_admins_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.rtr_admins_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: rtr_admins_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.rtr_admins_id_seq OWNED BY public.rtr_admins.id;


--
-- Name: rtr_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rtr_attempts (
    id integer NOT NULL,
    delivery_id integer NOT NULL,
    at double precision NOT NULL,
    outcome character varying(20) NOT NULL,
    detail text NOT NULL,
    duration_ms integer NOT NULL
);


--
-- Name: rtr_attempts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.rtr_attempts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: rtr_attempts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.rtr_attempts_id_seq OWNED BY public.rtr_attempts.id;


--
-- Name: rtr_audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rtr_audit_log (
    id integer NOT NULL,
    at double precision NOT NULL,
    actor character varying(120) NOT NULL,
    widget_id character varying(64),
    action character varying(60) NOT NULL,
    detail text NOT NULL
);


--
-- Name: rtr_audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.rtr_audit_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: rtr_audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.rtr_audit_log_id_seq OWNED BY public.rtr_audit_log.id;


--
-- Name: rtr_daily_stats; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rtr_daily_stats (
    widget_id character varying(64) NOT NULL,
    day character varying(10) NOT NULL,
    views integer NOT NULL,
    submissions integer NOT NULL,
    blocked integer NOT NULL
);


--
-- Name: rtr_deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rtr_deliveries (
    id integer NOT NULL,
    lead_id integer NOT NULL,
    widget_id character varying(64) NOT NULL,
    channel character varying(20) NOT NULL,
    target json NOT NULL,
    status character varying(20) NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at double precision NOT NULL,
    lease_until double precision,
    leased_by character varying(80),
    message_id character varying(200) NOT NULL,
    last_error text,
    created_at double precision NOT NULL,
    delivered_at double precision
);


--
-- Name: rtr_deliveries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.rtr_deliveries_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: rtr_deliveries_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.rtr_deliveries_id_seq OWNED BY public.rtr_deliveries.id;


--
-- Name: rtr_installation_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rtr_installation_settings (
    key character varying(60) NOT NULL,
    value text NOT NULL,
    updated_at double precision NOT NULL
);


--
-- Name: rtr_leads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rtr_leads (
    id integer NOT NULL,
    public_id character varying(40) NOT NULL,
    widget_id character varying(64) NOT NULL,
    created_at double precision NOT NULL,
    name character varying(200) NOT NULL,
    email character varying(320) NOT NULL,
    phone character varying(40) NOT NULL,
    contact_method character varying(20) NOT NULL,
    ok_to_email boolean NOT NULL,
    ok_to_text boolean NOT NULL,
    ok_to_voicemail boolean NOT NULL,
    service character varying(200) NOT NULL,
    location character varying(200) NOT NULL,
    message text NOT NULL,
    page_url character varying(2000) NOT NULL,
    utm json NOT NULL,
    language character varying(10) NOT NULL,
    consent_text text NOT NULL,
    consent_version character varying(40) NOT NULL,
    consented_at double precision NOT NULL,
    settings_version integer NOT NULL,
    status character varying(20) NOT NULL,
    contacted_at double precision,
    delivered_at double precision
);


--
-- Name: rtr_leads_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.rtr_leads_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: rtr_leads_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.rtr_leads_id_seq OWNED BY public.rtr_leads.id;


--
-- Name: rtr_used_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rtr_used_tokens (
    nonce character varying(64) NOT NULL,
    used_at double precision NOT NULL
);


--
-- Name: rtr_widgets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rtr_widgets (
    id character varying(64) NOT NULL,
    name character varying(200) NOT NULL,
    settings json NOT NULL,
    version integer NOT NULL,
    webhook_secret character varying(100) NOT NULL,
    previous_webhook_secret character varying(100),
    secret_rotated_at double precision,
    webhook_disabled_at double precision,
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL
);


--
-- Name: rtr_admins id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_admins ALTER COLUMN id SET DEFAULT nextval('public.rtr_admins_id_seq'::regclass);


--
-- Name: rtr_attempts id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_attempts ALTER COLUMN id SET DEFAULT nextval('public.rtr_attempts_id_seq'::regclass);


--
-- Name: rtr_audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_audit_log ALTER COLUMN id SET DEFAULT nextval('public.rtr_audit_log_id_seq'::regclass);


--
-- Name: rtr_deliveries id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_deliveries ALTER COLUMN id SET DEFAULT nextval('public.rtr_deliveries_id_seq'::regclass);


--
-- Name: rtr_leads id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_leads ALTER COLUMN id SET DEFAULT nextval('public.rtr_leads_id_seq'::regclass);


--
-- Data for Name: rtr_admins; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.rtr_admins (id, username, password_hash, created_at) VALUES (1, 'ann', 'scrypt:131072:8:1$legacylegacylega$4834c00ca7096f494ef7c8622fd049933500d5ae4b031d037dc1fb6bb6b538e2accb29adf68c92af4393da0dde86d18a9c58913a8d5bd6e14715c18ae4182b82', 1764552200);
INSERT INTO public.rtr_admins (id, username, password_hash, created_at) VALUES (2, 'bob', 'scrypt:131072:8:1$legacylegacylega$0ad07adfd82aff80705c8c6f820282c7caf6b3827978eca0bb8902b6a9277276b6a33be8426a3c4ccb57b6151f89aa93b70a6761a32806e055cdfebaec320bd1', 1764552201);


--
-- Data for Name: rtr_attempts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.rtr_attempts (id, delivery_id, at, outcome, detail, duration_ms) VALUES (1, 1, 1764551302, 'delivered', '250 OK', 25);
INSERT INTO public.rtr_attempts (id, delivery_id, at, outcome, detail, duration_ms) VALUES (2, 2, 1764551302, 'retry', 'HTTP 500', 25);
INSERT INTO public.rtr_attempts (id, delivery_id, at, outcome, detail, duration_ms) VALUES (3, 3, 1764551301, 'dead', '550 mailbox unavailable', 40);
INSERT INTO public.rtr_attempts (id, delivery_id, at, outcome, detail, duration_ms) VALUES (4, 4, 1764551304, 'delivered', '250 OK', 12);
INSERT INTO public.rtr_attempts (id, delivery_id, at, outcome, detail, duration_ms) VALUES (5, 7, 1764551303, 'disabled', 'HTTP 410 Gone', 10);
INSERT INTO public.rtr_attempts (id, delivery_id, at, outcome, detail, duration_ms) VALUES (6, 8, 1764551304, 'delivered', '250 OK', 12);


--
-- Data for Name: rtr_audit_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.rtr_audit_log (id, at, actor, widget_id, action, detail) VALUES (1, 1764552201, 'command line', NULL, 'admin.created', 'bob');
INSERT INTO public.rtr_audit_log (id, at, actor, widget_id, action, detail) VALUES (2, 1764552300, 'ann', 'harbor', 'widget.settings', 'heading');
INSERT INTO public.rtr_audit_log (id, at, actor, widget_id, action, detail) VALUES (3, 1764552300, 'ann', NULL, 'leads.exported', 'CSV export');


--
-- Data for Name: rtr_daily_stats; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.rtr_daily_stats (widget_id, day, views, submissions, blocked) VALUES ('gone', '2025-12-01', 0, 1, 0);
INSERT INTO public.rtr_daily_stats (widget_id, day, views, submissions, blocked) VALUES ('harbor', '2025-12-01', 3, 3, 1);
INSERT INTO public.rtr_daily_stats (widget_id, day, views, submissions, blocked) VALUES ('quiet', '2025-12-01', 0, 2, 1);
INSERT INTO public.rtr_daily_stats (widget_id, day, views, submissions, blocked) VALUES ('harbor', '2025-12-02', 1, 0, 0);


--
-- Data for Name: rtr_deliveries; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.rtr_deliveries (id, lead_id, widget_id, channel, target, status, attempts, next_attempt_at, lease_until, leased_by, message_id, last_error, created_at, delivered_at) VALUES (5, 2, 'harbor', 'webhook', '"https://crm.example.com/hook"', 'pending', 0, 1764550900, 1764551360, 'legacy-worker', 'msg_ee0ecd122d8e4baeb44eb7b1cd5bc305', NULL, 1764550900, NULL);
INSERT INTO public.rtr_deliveries (id, lead_id, widget_id, channel, target, status, attempts, next_attempt_at, lease_until, leased_by, message_id, last_error, created_at, delivered_at) VALUES (6, 2, 'harbor', 'confirmation', '["sam@example.org"]', 'pending', 0, 1764550900, 1764551360, 'legacy-worker', '<ee0ecd122d8e4baeb44eb7b1cd5bc305.thanks@ready-to-rebuild>', NULL, 1764550900, NULL);
INSERT INTO public.rtr_deliveries (id, lead_id, widget_id, channel, target, status, attempts, next_attempt_at, lease_until, leased_by, message_id, last_error, created_at, delivered_at) VALUES (1, 1, 'harbor', 'email', '["intake@harbor.example"]', 'delivered', 1, 1764550800, NULL, NULL, '<f99f5eff052b46e7bd60e93af74f4e43.lead@ready-to-rebuild>', NULL, 1764550800, 1764551302);
INSERT INTO public.rtr_deliveries (id, lead_id, widget_id, channel, target, status, attempts, next_attempt_at, lease_until, leased_by, message_id, last_error, created_at, delivered_at) VALUES (2, 1, 'harbor', 'webhook', '"https://crm.example.com/hook"', 'pending', 1, 1764551332, NULL, NULL, 'msg_f99f5eff052b46e7bd60e93af74f4e43', 'HTTP 500', 1764550800, NULL);
INSERT INTO public.rtr_deliveries (id, lead_id, widget_id, channel, target, status, attempts, next_attempt_at, lease_until, leased_by, message_id, last_error, created_at, delivered_at) VALUES (3, 1, 'harbor', 'confirmation', '["ana@example.org"]', 'dead', 1, 1764550800, NULL, NULL, '<f99f5eff052b46e7bd60e93af74f4e43.thanks@ready-to-rebuild>', '550 mailbox unavailable', 1764550800, NULL);
INSERT INTO public.rtr_deliveries (id, lead_id, widget_id, channel, target, status, attempts, next_attempt_at, lease_until, leased_by, message_id, last_error, created_at, delivered_at) VALUES (4, 2, 'harbor', 'email', '["intake@harbor.example"]', 'delivered', 1, 1764550900, NULL, NULL, '<ee0ecd122d8e4baeb44eb7b1cd5bc305.lead@ready-to-rebuild>', NULL, 1764550900, 1764551304);
INSERT INTO public.rtr_deliveries (id, lead_id, widget_id, channel, target, status, attempts, next_attempt_at, lease_until, leased_by, message_id, last_error, created_at, delivered_at) VALUES (7, 3, 'gone', 'webhook', '"https://gone.example/h"', 'disabled', 1, 1764551000, NULL, NULL, 'msg_ae3cd59b8e14420bb8b3f69ef41c8ea1', 'HTTP 410 Gone', 1764551000, NULL);
INSERT INTO public.rtr_deliveries (id, lead_id, widget_id, channel, target, status, attempts, next_attempt_at, lease_until, leased_by, message_id, last_error, created_at, delivered_at) VALUES (8, 4, 'quiet', 'email', '["hello@quiet.example"]', 'delivered', 1, 1764551100, NULL, NULL, '<517ba9b46e0b4d18b7db8f34b114b6b2.lead@ready-to-rebuild>', NULL, 1764551100, 1764551304);


--
-- Data for Name: rtr_installation_settings; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.rtr_installation_settings (key, value, updated_at) VALUES ('smtp', '{"host": "smtp.harbor.example", "port": 587, "security": "starttls", "username": "intake", "password": "p4ss w0rd", "mail_from": "Harbor Light <intake@harbor.example>"}', 1764552600);


--
-- Data for Name: rtr_leads; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.rtr_leads (id, public_id, widget_id, created_at, name, email, phone, contact_method, ok_to_email, ok_to_text, ok_to_voicemail, service, location, message, page_url, utm, language, consent_text, consent_version, consented_at, settings_version, status, contacted_at, delivered_at) VALUES (2, 'ee0ecd122d8e4baeb44eb7b1cd5bc305', 'harbor', 1764550900, 'Sam', 'sam@example.org', '', '', false, false, false, '', '', '', '', '{}', 'en', 'I agree.', 'c1', 1764550900, 2, 'new', NULL, NULL);
INSERT INTO public.rtr_leads (id, public_id, widget_id, created_at, name, email, phone, contact_method, ok_to_email, ok_to_text, ok_to_voicemail, service, location, message, page_url, utm, language, consent_text, consent_version, consented_at, settings_version, status, contacted_at, delivered_at) VALUES (3, 'ae3cd59b8e14420bb8b3f69ef41c8ea1', 'gone', 1764551000, 'Noor', 'noor@example.org', '', '', false, false, false, '', '', '', '', '{}', 'es', 'I agree.', 'c1', 1764551000, 1, 'new', NULL, NULL);
INSERT INTO public.rtr_leads (id, public_id, widget_id, created_at, name, email, phone, contact_method, ok_to_email, ok_to_text, ok_to_voicemail, service, location, message, page_url, utm, language, consent_text, consent_version, consented_at, settings_version, status, contacted_at, delivered_at) VALUES (4, '517ba9b46e0b4d18b7db8f34b114b6b2', 'quiet', 1764551100, 'Quinn', 'quinn@example.org', '', '', false, false, false, '', '', '', '', '{}', 'es', 'Sí.', 'c2', 1764551100, 1, 'new', NULL, 1764551304);
INSERT INTO public.rtr_leads (id, public_id, widget_id, created_at, name, email, phone, contact_method, ok_to_email, ok_to_text, ok_to_voicemail, service, location, message, page_url, utm, language, consent_text, consent_version, consented_at, settings_version, status, contacted_at, delivered_at) VALUES (1, 'f99f5eff052b46e7bd60e93af74f4e43', 'harbor', 1764550800, 'Ana Lucía O''Brien', 'ana@example.org', '+1 (555) 010-2030', 'phone', true, true, false, 'Couples therapy', 'Downtown', 'Evenings are best.', 'https://harbor.example/blog/trust', '{"utm_source": "newsletter", "utm_campaign": "spring"}', 'en', 'I agree.', 'c1', 1764550800, 2, 'contacted', 1764551400, NULL);


--
-- Data for Name: rtr_used_tokens; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.rtr_used_tokens (nonce, used_at) VALUES ('nonce-full', 1764550800);
INSERT INTO public.rtr_used_tokens (nonce, used_at) VALUES ('nonce-sam', 1764550900);
INSERT INTO public.rtr_used_tokens (nonce, used_at) VALUES ('nonce-noor', 1764551000);


--
-- Data for Name: rtr_widgets; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.rtr_widgets (id, name, settings, version, webhook_secret, previous_webhook_secret, secret_rotated_at, webhook_disabled_at, created_at, updated_at) VALUES ('quiet', 'Quiet Practice', '{"practice_name": "Quiet Practice", "heading": "Ready to rebuild?", "intro": "Whatever happened, you don''t have to sort it out alone. Reaching out is a first step, and it can be a small one.", "steps": [{"title": "Book a free consultation", "text": "A short, no-pressure call to talk about what''s going on and whether we''re a good fit.", "link_url": "", "link_label": ""}, {"title": "Read a little more", "text": "Learn how therapy can help you heal, together or on your own.", "link_url": "", "link_label": ""}, {"title": "You are not alone", "text": "Many people come to us after trust was broken. Healing is possible at your own pace.", "link_url": "", "link_label": ""}], "services": [], "locations": [], "accepting_new_clients": true, "waitlist_text": "We have a short waitlist right now. Leave your details and we''ll reach out as soon as a spot opens.", "response_time": "within one business day", "crisis_notice": "If you are in danger or thinking about harming yourself, please don''t wait for us. Call or text 988, or chat at 988lifeline.org, to reach the Suicide & Crisis Lifeline any time. In an emergency, call 911.", "consent_text": "I agree that the practice may contact me about this request using the details above. I understand this form is not for emergencies.", "submit_label": "Request my free consultation", "launcher_label": "Ready to rebuild?", "thank_you_heading": "Thank you for reaching out", "thank_you_text": "Your request is safely with us. Someone from our team will contact you {response_time}.", "theme": {"accent_color": "#7a3e5d", "background_color": "#fffaf6", "text_color": "#2b2a33", "radius": 12, "font_stack": "system-ui, -apple-system, ''Segoe UI'', Roboto, sans-serif"}, "language": "en", "allowed_origins": [], "fields": {"phone": true, "contact_method": false, "service": false, "location": false, "message": false}, "notify_emails": ["hello@quiet.example"], "detail_level": "contact", "alert_email": "", "confirmation_email": false, "webhook_url": "", "webhook_format": "generic", "hubspot_portal_id": "", "hubspot_form_guid": "", "retention_days": 90}', 1, 'whsec_UXVpZXRQcmFjdGljZVNlY3JldEs=', NULL, NULL, NULL, 1764547200, 1764547200);
INSERT INTO public.rtr_widgets (id, name, settings, version, webhook_secret, previous_webhook_secret, secret_rotated_at, webhook_disabled_at, created_at, updated_at) VALUES ('gone', 'Gone Hook', '{"practice_name": "Gone Hook", "heading": "Ready to rebuild?", "intro": "Whatever happened, you don''t have to sort it out alone. Reaching out is a first step, and it can be a small one.", "steps": [{"title": "Book a free consultation", "text": "A short, no-pressure call to talk about what''s going on and whether we''re a good fit.", "link_url": "", "link_label": ""}, {"title": "Read a little more", "text": "Learn how therapy can help you heal, together or on your own.", "link_url": "", "link_label": ""}, {"title": "You are not alone", "text": "Many people come to us after trust was broken. Healing is possible at your own pace.", "link_url": "", "link_label": ""}], "services": [], "locations": [], "accepting_new_clients": true, "waitlist_text": "We have a short waitlist right now. Leave your details and we''ll reach out as soon as a spot opens.", "response_time": "within one business day", "crisis_notice": "If you are in danger or thinking about harming yourself, please don''t wait for us. Call or text 988, or chat at 988lifeline.org, to reach the Suicide & Crisis Lifeline any time. In an emergency, call 911.", "consent_text": "I agree that the practice may contact me about this request using the details above. I understand this form is not for emergencies.", "submit_label": "Request my free consultation", "launcher_label": "Ready to rebuild?", "thank_you_heading": "Thank you for reaching out", "thank_you_text": "Your request is safely with us. Someone from our team will contact you {response_time}.", "theme": {"accent_color": "#7a3e5d", "background_color": "#fffaf6", "text_color": "#2b2a33", "radius": 12, "font_stack": "system-ui, -apple-system, ''Segoe UI'', Roboto, sans-serif"}, "language": "en", "allowed_origins": [], "fields": {"phone": true, "contact_method": false, "service": false, "location": false, "message": false}, "notify_emails": [], "detail_level": "contact", "alert_email": "", "confirmation_email": false, "webhook_url": "https://gone.example/h", "webhook_format": "generic", "hubspot_portal_id": "", "hubspot_form_guid": "", "retention_days": 90}', 1, 'whsec_R29uZUhvb2tTZWNyZXRLZXlYWA==', NULL, NULL, 1764551303, 1764547200, 1764547200);
INSERT INTO public.rtr_widgets (id, name, settings, version, webhook_secret, previous_webhook_secret, secret_rotated_at, webhook_disabled_at, created_at, updated_at) VALUES ('harbor', 'Harbor Light', '{"practice_name": "Harbor Light Couples Therapy", "heading": "Ready when you are", "intro": "When trust breaks, it can feel like the ground moved under you. We help couples and individuals slow down, make sense of what happened, and decide what comes next.", "steps": [{"title": "Book a free consultation", "text": "A short, no-pressure call to talk about what''s going on and whether we''re a good fit.", "link_url": "https://example.com/consultation", "link_label": "How the consultation works"}, {"title": "Read a little more", "text": "Learn how therapy can help you heal, together or on your own.", "link_url": "https://example.com/blog", "link_label": "More articles on trust and repair"}, {"title": "You are not alone", "text": "Many people come to us after trust was broken. Healing is possible at your own pace.", "link_url": "", "link_label": ""}], "services": [{"name": "Couples therapy", "description": "Repair after betrayal, rebuild communication and closeness.", "url": "https://example.com/couples-therapy"}, {"name": "Individual therapy", "description": "Space to sort through your own grief, anger and next steps.", "url": "https://example.com/individual-therapy"}, {"name": "Family therapy", "description": "Help for families finding their footing after a hard season.", "url": "https://example.com/family-therapy"}], "locations": [{"name": "Los Angeles office", "city": "Los Angeles, CA", "url": "https://example.com/los-angeles"}, {"name": "Las Vegas office", "city": "Las Vegas, NV", "url": "https://example.com/las-vegas"}, {"name": "Online sessions", "city": "telehealth", "url": "https://example.com/telehealth"}], "accepting_new_clients": true, "waitlist_text": "We have a short waitlist right now. Leave your details and we''ll reach out as soon as a spot opens.", "response_time": "within one business day", "crisis_notice": "If you are in danger or thinking about harming yourself, please don''t wait for us. Call or text 988, or chat at 988lifeline.org, to reach the Suicide & Crisis Lifeline any time. In an emergency, call 911.", "consent_text": "I agree that the practice may contact me about this request using the details above. I understand this form is not for emergencies.", "submit_label": "Request my free consultation", "launcher_label": "Ready to rebuild?", "thank_you_heading": "Thank you for reaching out", "thank_you_text": "Your request is safely with us. Someone from our team will contact you {response_time}.", "theme": {"accent_color": "#7a3e5d", "background_color": "#fffaf6", "text_color": "#2b2a33", "radius": 12, "font_stack": "system-ui, -apple-system, ''Segoe UI'', Roboto, sans-serif"}, "language": "en", "allowed_origins": [], "fields": {"phone": true, "contact_method": true, "service": true, "location": true, "message": true}, "notify_emails": ["intake@harbor.example"], "detail_level": "contact", "alert_email": "", "confirmation_email": true, "webhook_url": "https://crm.example.com/hook", "webhook_format": "generic", "hubspot_portal_id": "", "hubspot_form_guid": "", "retention_days": 90}', 2, 'whsec_Rm9yRm9yRm9yRm9yRm9yRm9yRm9yRm9y', 'whsec_SGFyYm9yTGlnaHRTZWNyZXRLZXk=', 1764547320, NULL, 1764547200, 1764547260);


--
-- Name: rtr_admins_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.rtr_admins_id_seq', 2, true);


--
-- Name: rtr_attempts_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.rtr_attempts_id_seq', 6, true);


--
-- Name: rtr_audit_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.rtr_audit_log_id_seq', 3, true);


--
-- Name: rtr_deliveries_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.rtr_deliveries_id_seq', 9, true);


--
-- Name: rtr_leads_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.rtr_leads_id_seq', 5, true);


--
-- Name: rtr_admins rtr_admins_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_admins
    ADD CONSTRAINT rtr_admins_pkey PRIMARY KEY (id);


--
-- Name: rtr_admins rtr_admins_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_admins
    ADD CONSTRAINT rtr_admins_username_key UNIQUE (username);


--
-- Name: rtr_attempts rtr_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_attempts
    ADD CONSTRAINT rtr_attempts_pkey PRIMARY KEY (id);


--
-- Name: rtr_audit_log rtr_audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_audit_log
    ADD CONSTRAINT rtr_audit_log_pkey PRIMARY KEY (id);


--
-- Name: rtr_daily_stats rtr_daily_stats_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_daily_stats
    ADD CONSTRAINT rtr_daily_stats_pkey PRIMARY KEY (widget_id, day);


--
-- Name: rtr_deliveries rtr_deliveries_message_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_deliveries
    ADD CONSTRAINT rtr_deliveries_message_id_key UNIQUE (message_id);


--
-- Name: rtr_deliveries rtr_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_deliveries
    ADD CONSTRAINT rtr_deliveries_pkey PRIMARY KEY (id);


--
-- Name: rtr_installation_settings rtr_installation_settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_installation_settings
    ADD CONSTRAINT rtr_installation_settings_pkey PRIMARY KEY (key);


--
-- Name: rtr_leads rtr_leads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_leads
    ADD CONSTRAINT rtr_leads_pkey PRIMARY KEY (id);


--
-- Name: rtr_leads rtr_leads_public_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_leads
    ADD CONSTRAINT rtr_leads_public_id_key UNIQUE (public_id);


--
-- Name: rtr_used_tokens rtr_used_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_used_tokens
    ADD CONSTRAINT rtr_used_tokens_pkey PRIMARY KEY (nonce);


--
-- Name: rtr_widgets rtr_widgets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_widgets
    ADD CONSTRAINT rtr_widgets_pkey PRIMARY KEY (id);


--
-- Name: ix_rtr_attempts_delivery; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_rtr_attempts_delivery ON public.rtr_attempts USING btree (delivery_id);


--
-- Name: ix_rtr_deliveries_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_rtr_deliveries_due ON public.rtr_deliveries USING btree (status, next_attempt_at);


--
-- Name: ix_rtr_deliveries_lead; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_rtr_deliveries_lead ON public.rtr_deliveries USING btree (lead_id);


--
-- Name: ix_rtr_leads_widget_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_rtr_leads_widget_created ON public.rtr_leads USING btree (widget_id, created_at);


--
-- Name: rtr_attempts rtr_attempts_delivery_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_attempts
    ADD CONSTRAINT rtr_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES public.rtr_deliveries(id) ON DELETE CASCADE;


--
-- Name: rtr_deliveries rtr_deliveries_lead_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_deliveries
    ADD CONSTRAINT rtr_deliveries_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES public.rtr_leads(id) ON DELETE CASCADE;


--
-- Name: rtr_leads rtr_leads_widget_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rtr_leads
    ADD CONSTRAINT rtr_leads_widget_id_fkey FOREIGN KEY (widget_id) REFERENCES public.rtr_widgets(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--

\unrestrict ZVqT4ie3g5gq9RuumsCAbU2kxIFk0j677p2RFf5IR9tohiaWY28pMi9j92B3Oog

