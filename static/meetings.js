// Meetings: small enhancements. Check-in, the plan form and door mode all work without it.
(function () {
  "use strict";

  // After a check-in: report the phone's position once (flag only, never blocks).
  function reportPosition() {
    var form = document.querySelector("[data-position-form]");
    if (!form || !navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.lat.value = pos.coords.latitude;
      form.elements.lng.value = pos.coords.longitude;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
    }, function () {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // Plan form: "use my position" fills the venue point from the secretary's phone.
  function venueButton() {
    var button = document.querySelector("[data-venue-here]");
    if (!button || !navigator.geolocation) return;
    button.addEventListener("click", function () {
      var status = document.querySelector("[data-venue-status]");
      status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lng").value = pos.coords.longitude.toFixed(6);
        status.textContent = "已记录会场位置";
      }, function () { status.textContent = "定位失败，可不填"; });
    });
  }

  // Door mode: scan a member's personal card with the camera (jsQR), then submit the code.
  function doorScanner() {
    var start = document.querySelector("[data-scanner-start]");
    var video = document.querySelector("[data-scanner-video]");
    if (!start || !video || !window.jsQR || !navigator.mediaDevices) return;
    start.hidden = false;
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        var canvas = document.createElement("canvas");
        var context = canvas.getContext("2d", { willReadFrequently: true });
        (function tick() {
          if (video.readyState === video.HAVE_ENOUGH_DATA) {
            canvas.width = video.videoWidth;
            canvas.height = video.videoHeight;
            context.drawImage(video, 0, 0, canvas.width, canvas.height);
            var found = window.jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data,
                                    canvas.width, canvas.height);
            if (found && found.data) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              var form = document.querySelector("[data-code-form]");
              form.elements.code.value = found.data;
              form.requestSubmit ? form.requestSubmit() : form.submit();
              return;
            }
          }
          requestAnimationFrame(tick);
        })();
      });
    });
  }

  function init() { reportPosition(); venueButton(); doorScanner(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
