/* Ready to Rebuild admin: copy buttons, the card's measured height, email server presets.
   The settings form's own behaviour is in editor.js.
   Every page works without it; configured text is only ever set with textContent. */
(function () {
  'use strict';

  var d = document;

  // Copy buttons: <button data-copy="#selector">, status in the next [data-copy-status].
  // The async Clipboard API only exists on https (and localhost) pages; elsewhere the text is
  // selected for the person to copy with the keyboard, and the status says how.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return Promise.reject(new Error('no clipboard access here'));
  }

  function selectForCopy(source) {
    source.focus();
    if (source.select) {
      source.select();
    } else {
      window.getSelection().selectAllChildren(source);
    }
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
      selectForCopy(source);
      if (status) status.textContent = 'Press Ctrl+C (or ⌘C) to copy the selected text.';
    });
  });

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

  // Email server presets (widget/admin/smtp_presets.py): choosing a provider fills in its server at once
  // and shows how to get its password. Without this script, Fill in reloads the page with the same
  // values; either way nothing is saved, or sent anywhere, until Save.
  function setUpPresets(chooser) {
    var select = chooser.querySelector('select');
    var form = d.getElementById(chooser.getAttribute('data-fills'));
    var status = d.getElementById('preset-status');
    var shared = [].map.call(select.options, function (option) {
      return option.getAttribute('data-username');
    }).filter(Boolean);
    function fill(event) {
      if (event.type === 'submit') event.preventDefault();
      var option = select.options[select.selectedIndex];
      if (!option.value) return;
      ['host', 'port', 'security'].forEach(function (name) {
        form.elements[name].value = option.getAttribute('data-' + name);
      });
      var username = option.getAttribute('data-username');
      if (username || shared.indexOf(form.elements.username.value) >= 0) form.elements.username.value = username;
      d.querySelectorAll('[data-preset-note]').forEach(function (note) {
        note.hidden = note.getAttribute('data-preset-note') !== option.getAttribute('data-provider');
      });
      var sentence = d.createElement('p');
      sentence.className = 'notice';
      sentence.textContent = option.getAttribute('data-status');
      status.replaceChildren(sentence);
    }
    select.addEventListener('change', fill);
    chooser.addEventListener('submit', fill);
  }

  function start() {
    d.querySelectorAll('form[data-fills]').forEach(setUpPresets);
    d.querySelectorAll('#snippets[data-measured=stale]').forEach(measureCard);
  }

  if (d.readyState === 'loading') { d.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
