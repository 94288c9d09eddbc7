// The kiosk: a click anywhere asks for full screen (browsers allow it only after a gesture).
(function () {
  "use strict";
  document.addEventListener("click", function () {
    var root = document.documentElement;
    if (!document.fullscreenElement && root.requestFullscreen) root.requestFullscreen().catch(function () {});
  });
})();
