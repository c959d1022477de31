/* Ready to Rebuild loader: one script tag puts a practice's consultation card on any page.
   The card lives in a cross-origin iframe so nothing on the host page can read what people type. */
(function (w, d) {
  'use strict';
  var api = w.ReadyToRebuild;
  if (api && api.loaded) { var again = d.currentScript; d.body ? api.scan(again) : d.addEventListener('DOMContentLoaded', function () { api.scan(again); }); return; }
  var queue = (api && api.q) || [];
  var instances = {};
  var count = 0;
  var reduced = w.matchMedia && w.matchMedia('(prefers-reduced-motion: reduce)').matches;

  function el(tag, css, attrs) {
    var node = d.createElement(tag);
    node.style.cssText = css || '';
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    return node;
  }

  function emit(name, inst) {
    w.dispatchEvent(new CustomEvent('rtr:' + name, { detail: { id: inst.id, widget: inst.widget, mode: inst.mode } }));
  }

  function frameUrl(inst, o) {
    var q = new URLSearchParams(w.location.search);
    var p = new URLSearchParams({ mode: inst.mode, origin: w.location.origin, instance: inst.id,
      page: w.location.origin + w.location.pathname });
    q.forEach(function (v, k) { if (/^utm_/.test(k)) p.set(k, v); });
    ['lang', 'service', 'theme'].forEach(function (k) { if (o[k]) p.set(k, o[k]); });
    return inst.base + '/w/' + encodeURIComponent(inst.widget) + '/frame?' + p;
  }

  function mount(target, o) {
    o = o || {};
    var inst = { widget: o.widget, mode: o.mode || 'inline', base: o.base, label: o.label };
    inst.id = o.id || (instances[o.widget] ? o.widget + '-' + (++count) : o.widget);
    inst.origin = new URL(inst.base).origin;
    inst.frame = el('iframe', 'border:0;width:100%;display:block;height:' + (inst.mode === 'inline' ? 640 : 560) + 'px', {
      src: frameUrl(inst, o), title: o.title || 'Request a free consultation', loading: 'eager' });
    if (inst.mode === 'inline') {
      inst.box = el('div', 'max-width:720px;margin:0 auto');
      inst.box.appendChild(inst.frame);
      target.appendChild(inst.box);
    } else {
      buildModal(inst);
      if (inst.mode === 'button') buildLauncher(inst);
    }
    instances[inst.id] = inst;
    return inst.id;
  }

  function buildLauncher(inst) {
    inst.launcher = el('button', 'position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:999px;' +
      'padding:14px 22px;font:600 16px system-ui,sans-serif;color:#fff;background:#7a3e5d;cursor:pointer;' +
      'box-shadow:0 4px 14px rgba(0,0,0,.25)', { type: 'button', 'aria-haspopup': 'dialog' });
    inst.launcher.textContent = inst.label || 'Ready to rebuild?';
    inst.launcher.addEventListener('click', function () { open(inst.id); });
    d.body.appendChild(inst.launcher);
  }

  function buildModal(inst) {
    var overlay = el('div', 'position:fixed;inset:0;z-index:2147483001;background:rgba(20,16,24,.55);display:none;' +
      'align-items:center;justify-content:center;padding:12px');
    var dialog = el('div', 'position:relative;background:#fff;border-radius:12px;width:100%;max-width:640px;' +
      'max-height:92vh;overflow:auto', { role: 'dialog', 'aria-modal': 'true', 'aria-label': inst.frame.title });
    var close = el('button', 'position:sticky;top:0;float:right;margin:6px;border:0;background:#fff;border-radius:50%;' +
      'width:44px;height:44px;font:24px/1 system-ui,sans-serif;cursor:pointer;z-index:1', { type: 'button', 'aria-label': 'Close' });
    close.textContent = '\u00d7';
    close.addEventListener('click', function () { closeModal(inst.id); });
    overlay.addEventListener('click', function (e) { if (e.target === overlay) closeModal(inst.id); });
    var first = el('span', '', { tabindex: '0' }), last = el('span', '', { tabindex: '0' });
    first.addEventListener('focus', function () { inst.frame.focus(); send(inst, 'focus-last'); });
    last.addEventListener('focus', function () { close.focus(); });
    dialog.appendChild(close);
    dialog.appendChild(inst.frame);
    overlay.appendChild(first);
    overlay.appendChild(dialog);
    overlay.appendChild(last);
    inst.overlay = overlay;
    inst.close = close;
    d.body.appendChild(overlay);
  }

  function send(inst, type) {
    if (inst.frame.contentWindow) inst.frame.contentWindow.postMessage({ rtr: 1, type: type }, inst.origin);
  }

  function find(id) {
    if (id && instances[id]) return instances[id];
    for (var k in instances) if (instances[k].overlay && (!id || instances[k].widget === id)) return instances[k];
  }

  function open(id) {
    var inst = find(id);
    if (!inst || !inst.overlay || inst.isOpen) return;
    inst.returnTo = d.activeElement;
    inst.isOpen = true;
    inst.overlay.style.display = 'flex';
    if (!reduced && inst.overlay.animate) inst.overlay.animate([{ opacity: 0 }, { opacity: 1 }], 160);
    inst.close.focus();
    emit('open', inst);
  }

  function closeModal(id) {
    var inst = find(id);
    if (!inst || !inst.isOpen) return;
    inst.isOpen = false;
    inst.overlay.style.display = 'none';
    if (inst.returnTo && inst.returnTo.focus) inst.returnTo.focus();
    emit('close', inst);
  }

  function destroy(id) {
    var inst = find(id);
    if (!inst) return;
    [inst.box, inst.overlay, inst.launcher].forEach(function (n) { if (n && n.parentNode) n.parentNode.removeChild(n); });
    delete instances[inst.id];
  }

  w.addEventListener('message', function (e) {
    var m = e.data, inst = m && m.rtr === 1 && instances[m.instance];
    if (!inst || e.origin !== inst.origin || e.source !== inst.frame.contentWindow) return;
    if (m.type === 'height' && m.height > 0) inst.frame.style.height = Math.ceil(m.height) + 'px';
    if (m.type === 'ready') {
      if (inst.launcher && m.label) { inst.launcher.textContent = m.label; inst.launcher.style.background = m.accent; }
      emit('ready', inst);
    }
    if (m.type === 'escape') closeModal(inst.id);
    if (m.type === 'submitted') emit('submitted', inst);
  });

  d.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') for (var k in instances) if (instances[k].isOpen) closeModal(k);
  });

  d.addEventListener('click', function (e) {
    var trigger = e.target.closest && e.target.closest('[data-rtr-open]');
    if (trigger) { e.preventDefault(); open(trigger.getAttribute('data-rtr-open')); }
  });

  function scan(script) {
    if (!script || !script.dataset.widget || script.dataset.rtrMounted) return;
    script.dataset.rtrMounted = '1';
    var o = {}, ds = script.dataset;
    for (var k in ds) o[k] = ds[k];
    o.base = ds.base || new URL(script.src).origin;
    var target = ds.target ? d.querySelector(ds.target) : null;
    if (!target && (o.mode || 'inline') === 'inline') {
      target = el('div');
      script.parentNode.insertBefore(target, script.nextSibling);
    }
    mount(target, o);
  }

  var base = d.currentScript ? new URL(d.currentScript.src).origin : '';
  w.ReadyToRebuild = api = {
    loaded: true, scan: scan, open: open, close: closeModal, destroy: destroy,
    mount: function (target, o) {
      o = o || {};
      o.base = o.base || base;
      return mount(typeof target === 'string' ? d.querySelector(target) : target, o);
    }
  };
  var current = d.currentScript;
  function start() {
    scan(current);
    queue.forEach(function (call) { api[call[0]].apply(api, call[1]); });
  }
  if (d.body) start(); else d.addEventListener('DOMContentLoaded', start);
})(window, document);
