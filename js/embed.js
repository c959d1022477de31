/* Ready to Rebuild loader: the card in a cross-origin iframe, inline or in a modal <dialog>.

   This is the readable source; `make js` minifies it into static/rtr/embed.js, the file that ships
   (budget: 1,500 bytes gzip). Styles go only through the CSSOM, which a strict host CSP allows.
   The card sends what the host page shows around it in its `ready` message (its title, the
   launcher's words and look, the dialog's backdrop), in the language it was drawn in (data-lang,
   else the widget's), so a dialog opens only once its card is there. Properties starting with `_`
   are the loader's own; the minifier shortens them. */
((w, d) => {
  'use strict';
  const R = w.ReadyToRebuild = w.ReadyToRebuild || {};
  const me = d.currentScript;
  const later = fn => d.readyState == 'loading' ? d.addEventListener('DOMContentLoaded', fn) : fn();
  // A second copy of this script only mounts its own tag.
  if (R.loaded) return later(() => R.scan(me));

  let all = [];
  const loc = w.location;
  const baseOf = script => script.src.replace(/\/[^/]*$/, '');

  function make(tag, css, parent, props) {
    const node = Object.assign(d.createElement(tag), props);
    node.style.cssText = css;
    parent?.append(node);
    return node;
  }

  const emit = (name, it) => w.dispatchEvent(new CustomEvent('rtr:' + name, { detail: it._detail }));

  // Every instance with this id, or of this widget; all of them without an id.
  const each = (id, fn) => all.forEach(it => (!id || it.id == id || it.widget == id) && fn(it));

  function mount(target, o, base) {
    const { widget } = o;
    const mode = /^(button|popup)$/.test(o.mode) ? o.mode : 'inline';
    const inline = mode == 'inline';
    const id = o.id || widget;
    const it = { id, widget, _detail: { id, widget, mode } };
    all.push(it);
    it._origin = new URL(base = o.base || base || R.base).origin;
    const query = new URLSearchParams({ mode, origin: loc.origin, instance: id, page: loc.origin + loc.pathname });
    new URLSearchParams(loc.search).forEach((v, k) => k.indexOf('utm_') || query.set(k, v));
    ['lang', 'service', 'theme', 'label'].forEach(k => o[k] && query.set(k, o[k]));
    if (typeof target == 'string') target = d.querySelector(target);
    // The admin's inline snippet reserves the card's height on an empty element (a style attribute,
    // so it holds before any script runs): the iframe starts exactly that tall and the element lets go.
    const reserved = inline && !target?.children.length && target?.offsetHeight;
    if (reserved) target.style.padding = 0;
    // Dialogs stay closed until their card is ready; the card sends their look.
    const dialog = it._dialog = !inline && make('dialog', '', d.body, {
      onclick: e => e.target == dialog && dialog.close(),
      onclose: () => emit('close', it),
    });
    it._frame = make('iframe', 'border:0;display:block;margin:auto;width:min(100%,720px);max-height:' +
      (inline ? 'none' : '92vh') + ';height:' + (reserved ? reserved + 'px' : 'max(1700px,2950px - 150vw)'),
      inline ? target : dialog, {
      // A name for screen readers before the card sends its own: data-lang's, else English.
      title: /^es/.test(o.lang) ? 'Solicitar una consulta gratuita' : 'Request a free consultation',
      src: base + '/w/' + encodeURIComponent(widget) + '/frame?' + query,
    });
    return id;
  }

  // The first dialog with this id or of this widget (any without an id); a launcher names its own.
  function open(id, it = all.find(x => x._dialog && (!id || x.id == id || x.widget == id))) {
    if (it) it._asked = 1;
    show(it);
    return it;
  }

  function show(it) {
    if (it?._asked && it._ready && !it._dialog.open) {
      it._dialog.showModal();  // focuses the iframe; the card then focuses its first control
      // The card knows the visitor's motion preference as well as this page does.
      if (it._fade) it._dialog.animate({ opacity: [0, 1] }, 160);
      emit('open', it);
    }
  }

  const close = id => each(id, it => it._dialog && it._dialog.close());

  const destroy = id => each(id, it => {
    [it._frame, it._dialog, it._button].forEach(node => node && node.remove());
    all = all.filter(x => x != it);
  });

  w.addEventListener('message', e => {
    const it = all.find(x => x._frame.contentWindow == e.source), m = e.data;
    if (it?._origin != e.origin) return;
    const { type } = m, dialog = it._dialog;
    if (m.height) it._frame.style.height = m.height;
    if (type == 'close') close(it.id);
    if (type == 'ready') {
      it._frame.title = m.title;
      if (dialog) Object.assign(dialog, { ariaLabel: m.title }).style.cssText = m.backdrop;
      if (it._detail.mode == 'button' && !it._button) {
        it._button = make('button', m.launcher, d.body, {
          textContent: m.label, ariaHasPopup: 'dialog', onclick: () => open(0, it),
        });
      }
      it._ready = 1;
      it._fade = m.fade;
      show(it);
    }
    if (m.event) emit(type, it);
  });

  d.addEventListener('click', e => {
    const link = e.target.closest('[data-rtr-open]');
    if (link && open(link.dataset.rtrOpen)) e.preventDefault();
  });

  function scan(script) {
    const o = script?.dataset;
    if (!o?.widget) return;
    let slot = o.target && d.querySelector(o.target);
    if (!slot) script.after(slot = d.createElement('div'));
    mount(slot, o, baseOf(script));
  }

  Object.assign(R, { loaded: 1, base: me && baseOf(me), scan, open, close, destroy, mount });
  later(() => {
    scan(me);
    R.q?.map(([method, args]) => R[method](...args));
  });
})(window, document);
