/* Ready to Rebuild admin: copy buttons, the live preview and the contrast check.
   Every page works without it; configured text is only ever set with textContent. */
(function () {
  'use strict';

  var d = document;

  // Copy buttons: <button data-copy="#selector">, status in the next [data-copy-status].
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = d.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.className = 'visually-hidden';
      d.body.appendChild(area);
      area.select();
      var ok = d.execCommand('copy');
      d.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error('copy refused')); }
    });
  }

  d.addEventListener('click', function (event) {
    var button = event.target.closest('[data-copy]');
    if (!button) return;
    var source = d.querySelector(button.getAttribute('data-copy'));
    if (!source) return;
    var text = 'value' in source && source.tagName !== 'P' ? source.value : source.textContent;
    var status = button.parentNode.querySelector('[data-copy-status]');
    copyText(text.trim()).then(function () {
      if (status) status.textContent = 'Copied.';
    }, function () {
      if (source.select) source.select();
      if (status) status.textContent = 'Press Ctrl+C (or ⌘C) to copy the selected text.';
    });
  });

  // WCAG contrast, the same pairs as widget/admin/preview.py.
  var HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
  var PAIRS = [
    ['text', 'background', 'Text on the card background'],
    ['accent', 'background', 'Links (accent colour) on the card background'],
    ['#ffffff', 'accent', 'White button text on the accent colour']
  ];

  function luminance(hex) {
    var h = hex.replace('#', '');
    if (h.length === 3) h = h.replace(/./g, '$&$&');
    return [0, 2, 4].reduce(function (sum, i, n) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      c = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      return sum + c * [0.2126, 0.7152, 0.0722][n];
    }, 0);
  }

  function ratio(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }

  function checkContrast(form, box) {
    var colours = {};
    form.querySelectorAll('[data-colour]').forEach(function (input) {
      colours[input.getAttribute('data-colour')] = input.value.trim();
    });
    var notes = [];
    PAIRS.forEach(function (pair) {
      var fore = pair[0].charAt(0) === '#' ? pair[0] : colours[pair[0]], back = colours[pair[1]];
      if (!HEX.test(fore || '') || !HEX.test(back || '')) return;
      var r = ratio(fore, back);
      if (r < 4.5) {
        notes.push(pair[2] + ': contrast ' + r.toFixed(1) + ':1 is under the 4.5:1 that WCAG AA asks for; ' +
          'some visitors will struggle to read it.');
      }
    });
    box.replaceChildren.apply(box, notes.map(function (text) {
      var p = d.createElement('p');
      p.className = 'warning';
      p.textContent = text;
      return p;
    }));
  }

  // Live preview: post a copy of the form (unsaved settings) into the preview iframe.
  function setUpPreview(form) {
    var frame = d.getElementById(form.getAttribute('data-preview-target'));
    var status = d.getElementById('preview-status');
    var contrast = d.getElementById('contrast-warnings');
    var timer = null;
    function refresh() {
      var action = form.getAttribute('action');
      form.setAttribute('action', form.getAttribute('data-preview-url'));
      form.setAttribute('target', frame.name);
      HTMLFormElement.prototype.submit.call(form);
      form.setAttribute('action', action);
      form.removeAttribute('target');
      if (status) status.textContent = 'Updating the preview…';
    }
    function changed() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 350);
      if (contrast) checkContrast(form, contrast);
    }
    form.addEventListener('input', changed);
    form.addEventListener('change', changed);
    frame.addEventListener('load', function () {
      if (status && timer !== null) status.textContent = 'The preview shows your unsaved changes.';
    });
  }

  // The inline snippet's reserved height: draw the saved card at each width the server asks for,
  // off screen, and send the heights (widget/admin/card_height.py) when they are not current.
  function cardHeight(url, width) {
    return new Promise(function (resolve) {
      var frame = d.createElement('iframe');
      frame.className = 'measure-frame';
      frame.width = width;
      frame.tabIndex = -1;
      frame.setAttribute('aria-hidden', 'true');
      frame.addEventListener('load', function () {
        var doc = frame.contentDocument;
        doc.fonts.ready.then(function () {
          var root = doc.getElementById('rtr-root');
          resolve(root && Math.ceil(root.getBoundingClientRect().height));
          frame.remove();
        });
      });
      frame.src = url;
      d.body.appendChild(frame);
    });
  }

  function measureCard(section) {
    var widths = section.getAttribute('data-widths').split(' ');
    Promise.all(widths.map(function (width) {
      return cardHeight(section.getAttribute('data-preview-url'), width);
    })).then(function (heights) {
      if (heights.indexOf(null) >= 0) return;
      var body = new URLSearchParams({
        csrf_token: section.querySelector('input[name=csrf_token]').value,
        version: section.getAttribute('data-version')
      });
      widths.forEach(function (width, i) { body.set('h' + width, heights[i]); });
      return fetch(section.getAttribute('data-measure-url'), { method: 'POST', body: body, credentials: 'same-origin' })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (!data.ok) return;
          d.getElementById('snippet-inline').value = data.snippet;
          section.setAttribute('data-measured', 'current');
          var notice = d.getElementById('card-height-notice');
          notice.textContent = data.notice;
          notice.hidden = !data.notice;
        });
    });
  }

  function start() {
    d.querySelectorAll('form[data-preview-url]').forEach(setUpPreview);
    d.querySelectorAll('#snippets[data-measured=stale]').forEach(measureCard);
  }

  if (d.readyState === 'loading') { d.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
