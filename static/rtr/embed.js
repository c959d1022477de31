/* Ready to Rebuild loader: the card in a cross-origin iframe, inline or in a modal <dialog>.
   Styles only via the CSSOM, which a strict host CSP allows. */
((w, d) => {
  'use strict';
  var R = w.ReadyToRebuild = w.ReadyToRebuild || {}, me = d.currentScript;
  function later(fn) {
    if (d.readyState == 'loading') d.addEventListener('DOMContentLoaded', fn); else fn();
  }
  if (R.loaded) return later(() => R.scan(me));
  var all = {}, count = 0, loc = w.location;

  function baseOf(script) {
    return script.src.slice(0, script.src.lastIndexOf('/'));
  }

  function make(tag, css, parent) {
    var node = d.createElement(tag);
    node.style.cssText = css;
    if (parent) parent.appendChild(node);
    return node;
  }

  function emit(name, it) {
    w.dispatchEvent(new CustomEvent('rtr:' + name, { detail: { id: it.id, widget: it.widget, mode: it.mode } }));
  }

  function mount(target, o, base) {
    var mode = /^(button|popup)$/.test(o.mode) ? o.mode : 'inline', id = o.id || o.widget;
    if (all[id]) id += '-' + ++count;
    var it = all[id] = { id, widget: o.widget, mode };
    it.origin = new URL(base = o.base || base || R.base).origin;
    var p = new URLSearchParams({ mode, origin: loc.origin, instance: id, page: loc.origin + loc.pathname });
    new URLSearchParams(loc.search).forEach((v, k) => { if (!k.indexOf('utm_')) p.set(k, v); });
    ['lang', 'service', 'theme'].forEach(k => o[k] && p.set(k, o[k]));
    if (typeof target == 'string') target = d.querySelector(target);
    var f = it.frame = make('iframe', 'border:0;width:100%;display:block;margin:auto;max-width:720px;height:max(1700px,2950px - 150vw)',
      mode == 'inline' && target);
    f.title = 'Request a free consultation';
    f.src = base + '/w/' + encodeURIComponent(o.widget) + '/frame?' + p;
    if (mode != 'inline') {
      var dl = it.dialog = make('dialog', 'border:0;margin:0;padding:4vh 12px;width:auto;height:auto;' +
        'max-width:none;max-height:none;background:#1a1420aa', d.body);
      dl.ariaLabel = f.title;
      f.style.maxHeight = '92vh';
      dl.appendChild(f);
      dl.onclick = e => { if (e.target == dl) dl.close(); };
      dl.onclose = () => {
        if (it.back) it.back.focus();
        emit('close', it);
      };
    }
    if (mode == 'button') {
      var b = it.button = make('button', 'position:fixed;right:20px;bottom:20px;z-index:2147483647;border:0;' +
        'border-radius:99px;padding:14px 22px;font:600 16px sans-serif;color:#fff',
        d.body);
      b.hidden = 1;
      b.ariaHasPopup = 'dialog';
      b.onclick = () => open(id);
    }
    return id;
  }

  function open(id) {
    var it;
    each(id, x => { if (x.dialog && (!it || x.id == id)) it = x; });
    if (!it || it.dialog.open) return it;
    it.back = d.activeElement;
    it.dialog.showModal();
    if (!w.matchMedia('(prefers-reduced-motion: reduce)').matches) it.dialog.animate({ opacity: [0, 1] }, 160);
    it.frame.focus();
    it.frame.contentWindow.postMessage({ rtr: 1, type: 'focus' }, it.origin);
    emit('open', it);
    return it;
  }

  function each(id, fn) {
    for (var k in all) if (!id || k == id || all[k].widget == id) fn(all[k], k);
  }

  function close(id) {
    each(id, it => it.dialog?.close());
  }

  function destroy(id) {
    each(id, (it, k) => {
      [it.frame, it.dialog, it.button].forEach(n => n?.remove());
      delete all[k];
    });
  }

  w.addEventListener('message', e => {
    var m = e.data || {}, it = m.rtr && all[m.instance], b = it?.button;
    if (!it || e.origin !== it.origin || e.source !== it.frame.contentWindow) return;
    if (m.type == 'height' && m.height > 0) it.frame.style.height = Math.ceil(m.height) + 'px';
    if (m.type == 'close') close(it.id);
    if (m.type == 'ready' && b) {
      b.textContent = m.label;
      b.style.background = m.accent;
      b.hidden = 0;
    }
    if (/^(ready|submitted)$/.test(m.type)) emit(m.type, it);
  });

  d.addEventListener('click', e => {
    var t = e.target.closest('[data-rtr-open]');
    if (t && open(t.getAttribute('data-rtr-open'))) e.preventDefault();
  });

  function scan(script) {
    var o = script && script.dataset;
    if (!o || !o.widget || o.rtrMounted) return;
    o.rtrMounted = 1;
    var t = o.target && d.querySelector(o.target);
    if (!t) script.after(t = d.createElement('div'));
    mount(t, o, baseOf(script));
  }

  Object.assign(R, { loaded: 1, base: me && baseOf(me), scan, open, close, destroy, mount });
  later(() => {
    scan(me);
    (R.q || []).forEach(call => R[call[0]](...call[1]));
  });
})(window, document);
