/*
 * chat-proxy widget loader: the host page's load event never waits for the widget. Embed with
 *   <script src="https://proxy.example/chat-loader.js" data-proxy-url="https://proxy.example" async></script>
 * (the widget's data-* attributes go on this tag). After the page's load, when the browser is idle, it imports
 * widget.js from beside itself: import() needs no Trusted Types policy and no inline script.
 */
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me || window.ChatProxyWidget) return;
  // The build puts the widget's content-hashed name here (src/build/java/WidgetBuild.java).
  var WIDGET_FILE = 'widget.js';
  var src = new URL(WIDGET_FILE, me.src).href;
  function inject() {
    import(src).catch(function (e) {
      if (window.console) console.warn('chat-proxy widget could not be loaded: ' + ((e && e.message) || e));
    });
  }
  function whenIdle() {
    if (window.requestIdleCallback) window.requestIdleCallback(inject, { timeout: 2000 });
    else setTimeout(inject, 1);
  }
  if (document.readyState === 'complete') whenIdle();
  else window.addEventListener('load', whenIdle, { once: true });
})();
