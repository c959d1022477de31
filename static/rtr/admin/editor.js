/* Ready to Rebuild admin, the settings form (widget_edit.html): the live preview with each field's
   message and the contrast warnings, rows added and removed in the page, colour pickers, and the
   warning before leaving with unsaved changes. The page works without it; configured text is only
   ever set with textContent. */
(function () {
  'use strict';

  var d = document;

  // The settings form's inputs that are settings (not its CSRF token or the preview's language).
  var NOT_SETTINGS = { csrf_token: true, preview_language: true };

  function settingsOf(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (!NOT_SETTINGS[name]) pairs.push([name, String(value)]);
    });
    return pairs;
  }

  // A field's message, as the server words it (widget/admin/preview.py check_settings), or none.
  function showFieldError(input, message) {
    var errorId = input.id + '-error';
    var shown = d.getElementById(errorId);
    var described = (input.getAttribute('aria-describedby') || '').split(' ').filter(function (id) {
      return id && id !== errorId;
    });
    if (message) {
      if (!shown) {
        shown = d.createElement('p');
        shown.className = 'error';
        shown.id = errorId;
        input.parentNode.insertBefore(shown, input);
      }
      shown.textContent = message;
      described.push(errorId);
      input.setAttribute('aria-invalid', 'true');
    } else {
      if (shown) shown.remove();
      input.removeAttribute('aria-invalid');
    }
    if (described.length) { input.setAttribute('aria-describedby', described.join(' ')); } else { input.removeAttribute('aria-describedby'); }
    var box = input.closest('.field');
    if (box) box.classList.toggle('has-error', Boolean(message));
  }

  function showWarnings(box, warnings) {
    box.replaceChildren.apply(box, warnings.map(function (text) {
      var p = d.createElement('p');
      p.className = 'warning';
      p.textContent = text;
      return p;
    }));
  }

  // Live preview: the unsaved settings posted into the preview iframe. The server checks them as
  // Save would; each field with a problem shows its message, and the preview keeps that field's
  // last valid value (at first the loaded one) rather than going back to the saved settings.
  function setUpPreview(form) {
    var frame = d.getElementById(form.getAttribute('data-preview-target'));
    var sender = d.getElementById('preview-form');
    var status = d.getElementById('preview-status');
    var contrast = d.getElementById('contrast-warnings');
    var lastGood = {};
    var errors = {};
    var asked = 0;
    var timer = null;
    settingsOf(form).forEach(function (pair) {
      var input = form.elements[pair[0]];
      if (!(input && input.getAttribute && input.getAttribute('aria-invalid'))) lastGood[pair[0]] = pair[1];
    });
    function refresh() {
      var body = new FormData(form);
      sender.replaceChildren();
      body.forEach(function (value, name) {
        var copy = d.createElement('textarea');
        copy.name = name;
        copy.value = errors[name] !== undefined && name in lastGood ? lastGood[name] : value;
        sender.appendChild(copy);
      });
      HTMLFormElement.prototype.submit.call(sender);
      if (status) status.textContent = 'Updating the preview…';
    }
    function checked(answer) {
      errors = answer.errors;
      [].forEach.call(form.elements, function (input) {
        if (input.name && input.id && !NOT_SETTINGS[input.name] && input.type !== 'submit') {
          showFieldError(input, errors[input.name] || '');
        }
      });
      settingsOf(form).forEach(function (pair) {
        if (errors[pair[0]] === undefined) lastGood[pair[0]] = pair[1];
      });
      if (contrast) showWarnings(contrast, answer.warnings);
    }
    function update() {
      var mine = ++asked;
      fetch(form.getAttribute('data-check-url'), {
        method: 'POST', body: new FormData(form), credentials: 'same-origin', headers: {Accept: 'application/json'}
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (answer) {
        if (mine !== asked) return;
        if (answer) checked(answer);
        refresh();
      }, function () { if (mine === asked) refresh(); /* offline for a moment: keep the last messages */ });
    }
    function changed() {
      clearTimeout(timer);
      timer = setTimeout(update, 350);
    }
    form.addEventListener('input', changed);
    form.addEventListener('change', changed);
    // The language switch sits beside the preview (form="settings-form"): show that language at once.
    var languages = d.getElementById('preview-language');
    if (languages) {
      languages.addEventListener('change', function (event) {
        event.stopPropagation();
        clearTimeout(timer);
        timer = 0;
        refresh();
      });
    }
    frame.addEventListener('load', function () {
      if (!status || timer === null) return;
      var count = Object.keys(errors).length;
      status.textContent = 'The preview shows your unsaved changes.' + (count ? ' ' + count + (count === 1
        ? ' field has a problem (marked in the form); the preview shows its last valid value.'
        : ' fields have a problem (marked in the form); the preview shows their last valid values.') : '');
    });
  }

  // Rows (services, locations) added and removed in the page, saved with the rest. The server
  // renders a blank row in the list's <template>, its names and ids holding __index__.
  function setUpRows(list) {
    var holder = list.querySelector('[data-row-list]');
    var template = list.querySelector('template[data-row-template]').content.querySelector('[data-row]');
    var add = list.querySelector('[data-row-add]');
    var status = list.querySelector('[data-row-status]');
    var noun = list.getAttribute('data-noun');
    var max = Number(list.getAttribute('data-max'));
    var next = holder.children.length;
    function rows() { return [].slice.call(holder.children); }
    function renumber() {
      rows().forEach(function (row, i) {
        row.querySelectorAll('[data-row-number]').forEach(function (number) { number.textContent = String(i + 1); });
      });
      add.disabled = rows().length >= max;
    }
    function changed(sentence) {
      renumber();
      status.textContent = sentence + ' Not saved yet: press Save to keep the change.';
      holder.dispatchEvent(new Event('input', {bubbles: true}));
    }
    add.addEventListener('click', function (event) {
      event.preventDefault();
      if (rows().length >= max) return;
      var row = template.cloneNode(true);
      var index = String(next++);
      [row].concat([].slice.call(row.querySelectorAll('*'))).forEach(function (element) {
        ['id', 'name', 'for', 'value', 'aria-describedby', 'aria-labelledby'].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value && value.indexOf('__index__') >= 0) element.setAttribute(attribute, value.split('__index__').join(index));
        });
      });
      holder.appendChild(row);
      changed('Added ' + noun + ' ' + rows().length + '.');
      row.querySelector('input, textarea, select').focus();
    });
    holder.addEventListener('click', function (event) {
      var button = event.target.closest('[data-row-remove]');
      if (!button) return;
      event.preventDefault();
      var row = button.closest('[data-row]');
      var position = rows().indexOf(row);
      var after = row.nextElementSibling;
      row.remove();
      changed('Removed ' + noun + ' ' + (position + 1) + '.');
      (after ? after.querySelector('input, textarea, select') : add).focus();
    });
  }

  // A colour picker beside each colour's text field, both kept in step. The text field stays the
  // setting: it also takes rgb(), hsl() or a name, which the browser reads into hex for the picker.
  var paint = d.createElement('canvas').getContext('2d');

  function asHex(text) {
    var value = text.trim();
    if (/^[0-9a-f]{3}([0-9a-f]{3})?$/i.test(value)) value = '#' + value;
    var seen = ['#000000', '#ffffff'].map(function (start) {
      paint.fillStyle = start;
      paint.fillStyle = value;
      return paint.fillStyle;
    });
    return seen[0] === seen[1] && /^#[0-9a-f]{6}$/.test(seen[0]) ? seen[0] : null;
  }

  function setUpColour(input) {
    var picker = d.createElement('input');
    var label = d.querySelector('label[for="' + input.id + '"]');
    var pair = d.createElement('div');
    picker.type = 'color';
    picker.className = 'input colour-picker';
    picker.id = input.id + '-picker';
    picker.setAttribute('aria-label', (label ? label.textContent.trim() : 'Colour') + ', picker');
    pair.className = 'colour-pair';
    input.parentNode.insertBefore(pair, input);
    pair.append(input, picker);
    function fromText() {
      var hex = asHex(input.value);
      if (hex) picker.value = hex;
    }
    picker.addEventListener('input', function (event) {
      event.stopPropagation();
      input.value = picker.value;
      input.dispatchEvent(new Event('input', {bubbles: true}));
    });
    picker.addEventListener('change', function (event) { event.stopPropagation(); });
    input.addEventListener('input', fromText);
    fromText();
  }

  // Warn before leaving with changes not saved: the settings compared with those loaded, or, when
  // the page came back from a post that saved nothing (a test, an error, a row), with the saved
  // ones the server sends in #saved-values. Rows count by their place; empty values don't count.
  function comparable(form, pairs) {
    var lists = [].map.call(form.querySelectorAll('[data-rows]'), function (list) { return list.id; });
    var places = {};
    return pairs.filter(function (pair) { return pair[1] !== ''; }).map(function (pair) {
      var value = pair[1].replace(/\r\n/g, '\n');
      var row = /^([a-z_]+)-(\d+)-(.*)$/.exec(pair[0]);
      if (!row || lists.indexOf(row[1]) < 0) return pair[0] + '=' + value;
      var seen = places[row[1]] || (places[row[1]] = []);
      if (seen.indexOf(row[2]) < 0) seen.push(row[2]);
      return row[1] + '-' + seen.indexOf(row[2]) + '-' + row[3] + '=' + value;
    }).sort().join('\n');
  }

  function setUpLeaveWarning(form) {
    var saved = d.getElementById('saved-values');
    var baseline = comparable(form, saved ? JSON.parse(saved.textContent) : settingsOf(form));
    var leaving = false;
    form.addEventListener('submit', function () { leaving = true; });
    d.querySelectorAll('[data-discard]').forEach(function (link) {
      link.addEventListener('click', function () { leaving = true; });
    });
    window.addEventListener('pageshow', function () { leaving = false; });
    window.addEventListener('beforeunload', function (event) {
      if (leaving || comparable(form, settingsOf(form)) === baseline) return;
      event.preventDefault();
      event.returnValue = '';
    });
  }

  function start() {
    d.querySelectorAll('[data-rows]').forEach(setUpRows);
    d.querySelectorAll('input[data-colour]').forEach(setUpColour);
    d.querySelectorAll('form[data-preview-url]').forEach(function (form) {
      setUpLeaveWarning(form);
      setUpPreview(form);
    });
  }

  if (d.readyState === 'loading') { d.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
