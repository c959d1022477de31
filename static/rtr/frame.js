/* Inside the widget's iframe (and on the hosted page): fetch submit with inline errors, auto-height,
   and a narrow, origin-checked message channel to the loader. Nothing here reads host-page data. */
(function (w, d) {
  'use strict';
  var root = d.getElementById('rtr-root');
  var form = d.querySelector('.rtr-form');
  var parentOrigin = root.getAttribute('data-parent-origin');
  var instance = root.getAttribute('data-instance');
  var embedded = w.parent !== w && parentOrigin;

  function post(type, extra) {
    if (!embedded) return;
    var message = { rtr: 1, type: type, instance: instance };
    for (var k in extra || {}) message[k] = extra[k];
    w.parent.postMessage(message, parentOrigin);
  }

  var lastHeight = 0;
  function reportHeight() {
    var height = Math.ceil(root.getBoundingClientRect().height);
    if (height !== lastHeight) { lastHeight = height; post('height', { height: height + 'px' }); }
  }
  if (w.ResizeObserver) new ResizeObserver(reportHeight).observe(root);
  w.addEventListener('load', reportHeight);

  // What the host page shows around the card comes from here, in the card's language, so the
  // loader stays small and a page never shows a half-styled launcher or an empty dialog.
  var LAUNCHER = 'position:fixed;right:20px;bottom:20px;z-index:2147483647;border:0;border-radius:99px;' +
    'padding:14px 22px;font:600 16px sans-serif;color:#fff;background:';
  var BACKDROP = 'border:0;margin:0;padding:4vh 12px;width:auto;height:auto;max-width:none;max-height:none;' +
    'background:#1a1420aa';
  reportHeight();
  post('ready', {
    // A site the widget doesn't allow gets a link to the card's page instead (rtr/refused.html): its
    // host page hears no rtr:ready, as no card is there.
    event: !root.hasAttribute('data-refused'),
    title: root.getAttribute('data-title'),
    label: root.getAttribute('data-label'),
    launcher: LAUNCHER + root.getAttribute('data-accent'),
    backdrop: BACKDROP,
    fade: !w.matchMedia('(prefers-reduced-motion: reduce)').matches
  });

  // A view is the card seen, once per page view: at least half of it on screen (or half the screen,
  // for a card taller than that) while the page is visible. Observed from inside the frame, the
  // intersection is with the top-level viewport even across origins; a dialog's frame has no box
  // until the dialog opens, so a preloaded dialog is not seen. Then one beacon, without cookies,
  // naming only the host page (origin and path) and its UTM campaign.
  var seenUrl = root.getAttribute('data-seen');
  if (seenUrl && form && w.IntersectionObserver && w.fetch) {
    var steps = [], latest = null, observer;
    for (var i = 0; i <= 50; i++) steps.push(i / 50);
    var check = function () {
      if (!latest || !latest.isIntersecting || d.visibilityState !== 'visible') return;
      var card = latest.boundingClientRect.height, shown = latest.intersectionRect.height;
      if (shown < Math.min(card, w.screen.height) / 2) return;
      observer.disconnect();
      d.removeEventListener('visibilitychange', check);
      var field = function (name) { return form.elements[name] ? form.elements[name].value : ''; };
      fetch(seenUrl, {
        method: 'POST', credentials: 'omit', keepalive: true,
        body: new URLSearchParams({ token: field('token'), page: field('page_url'), campaign: field('utm_campaign') })
      }).catch(function () {});
    };
    observer = new IntersectionObserver(function (entries) {
      latest = entries[entries.length - 1];
      check();
    }, { threshold: steps });
    observer.observe(root);
    d.addEventListener('visibilitychange', check);
  }

  function focusable() {
    return [].filter.call(d.querySelectorAll('a[href], button, input, select, textarea'), function (node) {
      return node.tabIndex >= 0 && !node.disabled && node.type !== 'hidden' && node.getClientRects().length;
    });
  }

  // In the dialog modes the page behind is inert, so Tab cycles within the card; Escape closes.
  // Opening the dialog focuses this frame: the first control takes it.
  var modal = /^(button|popup)$/.test(root.getAttribute('data-mode') || '');
  w.addEventListener('focus', function () {
    var first = focusable()[0];
    if (modal && embedded && first && d.activeElement === d.body) first.focus();
  });
  d.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') post('close');
    if (e.key !== 'Tab' || !modal || !embedded) return;
    var nodes = focusable(), edge = nodes[e.shiftKey ? 0 : nodes.length - 1];
    if (nodes.length && (d.activeElement === edge || !root.contains(d.activeElement))) {
      e.preventDefault();
      nodes[e.shiftKey ? nodes.length - 1 : 0].focus();
    }
  });
  var closer = d.getElementById('rtr-close');
  if (closer) closer.addEventListener('click', function () { post('close'); });

  function summary(text) {
    var box = d.getElementById('rtr-summary');
    if (!box) return null;
    box.textContent = text;
    box.hidden = !text;
    return box;
  }

  // On a phone Send is a screen below the message: scroll it (and the host page) to it; focus announces it.
  function reveal(node) {
    if (!node) return;
    node.focus({ preventScroll: true });
    node.scrollIntoView({ block: 'center' });
  }

  function showErrors(errors) {
    var first = null;
    form.querySelectorAll('[data-field]').forEach(function (field) {
      var name = field.getAttribute('data-field');
      var message = errors[name] || '';
      var error = field.querySelector('.rtr-error');
      var input = field.querySelector('input:not([type=hidden]), select, textarea');
      field.classList.toggle('rtr-has-error', !!message);
      if (error) { error.textContent = message; error.hidden = !message; }
      if (input) {
        if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
        var described = (input.getAttribute('aria-describedby') || '').split(' ').filter(function (id) {
          return id && !(error && id === error.id);
        });
        if (message && error) described.push(error.id);
        if (described.length) input.setAttribute('aria-describedby', described.join(' '));
        else input.removeAttribute('aria-describedby');
        if (message && !first) first = input;
      }
    });
    return first;
  }

  function showThanks(data) {
    var section = d.createElement('section');
    section.className = 'rtr-thanks';
    section.id = 'rtr-thanks';
    section.setAttribute('role', 'status');
    section.tabIndex = -1;
    var heading = d.createElement('h2');
    heading.textContent = data.heading;
    var text = d.createElement('p');
    text.textContent = data.text;
    section.appendChild(heading);
    section.appendChild(text);
    d.querySelectorAll('.rtr-steps, .rtr-links').forEach(function (n) { n.parentNode.removeChild(n); });
    form.parentNode.replaceChild(section, form);
    section.focus();
    post('submitted', { event: 1 });
  }

  if (!form || !w.fetch || !w.URLSearchParams) return;
  var button = form.querySelector('.rtr-submit');
  var label = button.textContent;

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    button.disabled = true;
    button.textContent = root.getAttribute('data-sending');
    fetch(form.action, {
      method: 'POST', credentials: 'omit', headers: { Accept: 'application/json' },
      body: new URLSearchParams(new FormData(form))
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok && data.ok) return showThanks(data);
        if (data.token) form.querySelector('[name=token]').value = data.token;
        var errors = data.errors || {};
        var first = showErrors(errors);
        // A token's message (input kept, press again) has no field of its own: it leads.
        var box = summary(response.status === 429 ? root.getAttribute('data-rate-limited')
          : errors.token || data.message || root.getAttribute('data-offline'));
        reveal(errors.token ? box : first || box);
      });
    }, function () {
      reveal(summary(root.getAttribute('data-offline')));
    }).then(function () {
      button.disabled = false;
      button.textContent = label;
    });
  });
})(window, document);
