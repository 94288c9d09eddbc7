// partyapp: small progressive enhancements. Everything works without this file: every form
// posts and every link navigates as plain HTML; htmx (hx-boost) only makes it faster.
(function () {
  "use strict";
  // Buttons that need JavaScript start `hidden`; show those this browser can work.
  function revealCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy-target][hidden]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", revealCopyButtons);
  document.addEventListener("htmx:load", revealCopyButtons);

  // Uploader: each file input becomes a WeUI-like button "选择照片" (its own label text when it
  // has data-button) with thumbnails of what was picked. The input itself stays in the form.
  function enhanceUploads(root) {
    (root || document).querySelectorAll("input[type=file]:not([data-uploader])").forEach(function (input) {
      input.setAttribute("data-uploader", "1");
      var box = document.createElement("div");
      box.className = "uploader";
      input.parentNode.insertBefore(box, input);
      box.appendChild(input);
      input.classList.add("uploader__input");
      if (!input.id) input.id = "upload-" + Math.random().toString(36).slice(2);
      var button = document.createElement("label");
      button.className = "uploader__button";
      button.htmlFor = input.id;
      var images = (input.accept || "").indexOf("image") !== -1;
      button.textContent = input.getAttribute("data-button") || (images ? "＋ 选择照片" : "＋ 选择文件");
      box.appendChild(button);
      var list = document.createElement("ul");
      list.className = "uploader__files";
      list.setAttribute("aria-live", "polite");
      box.appendChild(list);
      input.addEventListener("change", function () {
        list.textContent = "";
        Array.prototype.forEach.call(input.files || [], function (file) {
          var item = document.createElement("li");
          item.className = "uploader__file";
          if (/^image\//.test(file.type) && window.URL && URL.createObjectURL) {
            var img = document.createElement("img");
            img.className = "uploader__thumb";
            img.alt = "";
            img.src = URL.createObjectURL(file);
            item.appendChild(img);
          }
          item.appendChild(document.createTextNode(file.name));
          list.appendChild(item);
        });
        button.textContent = input.files && input.files.length ? "重新选择" : (images ? "＋ 选择照片" : "＋ 选择文件");
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhanceUploads(document); });
  document.addEventListener("htmx:load", function (event) { enhanceUploads(event.target); });


  var ERRORS = {
    0: "网络不通，没有发出去。请检查手机网络后再点一次。",
    400: "提交的内容有误，请刷新页面后重试。",
    403: "您没有权限做这个操作。如有疑问，请联系本支部书记。",
    404: "页面不存在，可能已被删除。请回到首页重新进入。",
    410: "这个链接已更换，请用新链接打开。",
    413: "上传的文件太大，请换一张较小的照片再提交。",
    429: "操作太频繁，请稍等几分钟再试。",
    500: "系统暂时出错，我们已记录下来。请稍后再试。",
    502: "网站暂时无法访问，请过几分钟再试。",
    503: "网站正在维护或太忙，请过几分钟再试。",
    504: "网站响应太慢，请过几分钟再试。"
  };

  function fileSize(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // ---- a message in place: window.partyapp.showError(message, near) ---------------------------
  // Shown just above `near` (the tapped button or its form) or at the top of the page, and
  // scrolled into view; the form keeps what was typed.
  function showError(message, near) {
    var box = document.getElementById("page-error");
    if (box) box.parentNode.removeChild(box);
    box = document.createElement("div");
    box.id = "page-error";
    box.className = "flashes page-error";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.className = "flash flash--error";
    text.textContent = "⚠ " + message;
    box.appendChild(text);
    var anchor = near && document.body.contains(near) ? near : null;
    if (anchor) {
      anchor.parentNode.insertBefore(box, anchor);
    } else {
      var main = document.getElementById("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    if (box.scrollIntoView) box.scrollIntoView({ block: "nearest" });
    return box;
  }
  window.partyapp = window.partyapp || {};
  window.partyapp.showError = showError;

  // The Chinese message of an error page (error.html), else the one for its status.
  function errorMessage(xhr) {
    var status = xhr ? xhr.status : 0;
    var type = xhr && xhr.getResponseHeader ? xhr.getResponseHeader("Content-Type") || "" : "";
    if (xhr && type.indexOf("text/html") === 0 && xhr.responseText) {
      try {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var page = doc.querySelector(".error-page");
        if (page) {
          var title = page.querySelector(".error-page__title");
          var body = page.querySelector(".error-page__message") || page.querySelector("p:not(.error-page__code)");
          var parts = [];
          if (title) parts.push(title.textContent.trim());
          if (body && body.textContent.trim()) parts.push(body.textContent.trim());
          if (parts.length) return parts.join("：");
        }
      } catch (ignored) { /* fall back to the status */ }
    }
    return ERRORS[status] || ERRORS[status >= 500 ? 500 : 400];
  }

  // ---- progress: a thin bar at the top, and the sent form's buttons disabled ------------------
  var bar = null;
  var pending = 0;
  function progressBar() {
    // A boosted swap replaces what is inside <body>: put the bar back when it went with it.
    if (!bar || !document.body.contains(bar)) {
      bar = document.createElement("div");
      bar.id = "progress";
      bar.className = "progress";
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-label", "正在加载");
      document.body.appendChild(bar);
    }
    return bar;
  }
  function startProgress() {
    pending += 1;
    var el = progressBar();
    el.classList.add("is-active");
    document.documentElement.setAttribute("aria-busy", "true");
  }
  function stopProgress() {
    pending = Math.max(0, pending - 1);
    if (pending === 0 && bar && document.body.contains(bar)) {
      bar.classList.remove("is-active");
      document.documentElement.removeAttribute("aria-busy");
    }
  }

  function formOf(elt) {
    if (!elt) return null;
    return elt.tagName === "FORM" ? elt : elt.closest ? elt.closest("form") : null;
  }
  function busyButtons(form) {
    if (!form) return [];
    return Array.prototype.filter.call(form.querySelectorAll("button, input[type=submit]"), function (b) {
      return (b.type || "submit") === "submit" && !b.disabled;
    });
  }
  function markBusy(buttons) {
    buttons.forEach(function (b) {
      b.disabled = true;
      b.setAttribute("aria-busy", "true");
      b.classList.add("is-loading");
      if (b.tagName === "BUTTON" && !b.querySelector(".weui-primary-loading")) {
        var spin = document.createElement("i");
        spin.className = "weui-primary-loading btn__loading";
        spin.setAttribute("aria-hidden", "true");
        b.insertBefore(spin, b.firstChild);
      }
    });
  }
  function clearBusy(buttons) {
    buttons.forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
      b.classList.remove("is-loading");
      var spin = b.querySelector(".btn__loading");
      if (spin) spin.parentNode.removeChild(spin);
    });
  }

  function here() {
    return location.pathname + location.search;
  }
  function pathOf(url) {
    try {
      var parsed = new URL(url, location.href);
      return parsed.pathname + parsed.search;
    } catch (ignored) {
      return url;
    }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var detail = event.detail;
    // The same detail object travels to afterRequest, beforeSwap and afterSettle, where `elt`
    // has become the swap target: keep the requesting element and the address it left from.
    detail.partyapp = { from: here(), elt: detail.elt };
    startProgress();
    var form = formOf(detail.elt);
    if (form && (detail.requestConfig ? detail.requestConfig.verb !== "get" || detail.elt === form : true)) {
      detail.partyapp.buttons = busyButtons(form);
      markBusy(detail.partyapp.buttons);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    stopProgress();
    var own = event.detail.partyapp;
    if (own && own.buttons) clearBusy(own.buttons);
  });

  // Error answers (413 too large, 429 limited, 500/503 ...) are not swapped by htmx 2: a boosted
  // page link swaps the error page in; a form keeps what was typed and says why above its button.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    if (!xhr || xhr.status < 400) return;
    var form = formOf(detail.partyapp ? detail.partyapp.elt : detail.elt);
    var boosted = detail.boosted || (detail.requestConfig && detail.requestConfig.boosted);
    if (boosted && !form && (xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0
        && xhr.responseText.indexOf("error-page") !== -1) {
      detail.shouldSwap = true;
      detail.isError = false;
      return;
    }
    detail.shouldSwap = false;
    showError(errorMessage(xhr), form ? (busyButtons(form)[0] || lastButton(form) || form) : null);
  });
  function lastButton(form) {
    var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    return buttons.length ? buttons[buttons.length - 1] : null;
  }

  // Nothing came back (offline, timeout): say so instead of looking untouched.
  document.addEventListener("htmx:sendError", function (event) {
    var own = event.detail.partyapp;
    var form = formOf(own ? own.elt : event.detail.elt);
    showError(ERRORS[0], form ? lastButton(form) || form : null);
  });

  // ---- a new page opens at the top; the same page refreshed keeps its place -------------------
  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail;
    var own = detail.partyapp;
    if (!detail.boosted || !detail.xhr) return;
    var from = own ? own.from : null;
    var to = pathOf(detail.xhr.responseURL || detail.pathInfo && detail.pathInfo.finalRequestPath || "");
    if (from === null || to !== from) window.scrollTo(0, 0);
  });

  // ---- photos too large are refused before they are uploaded ---------------------------------
  // A file input may carry data-max-bytes (each file) and data-max-count; the body carries the
  // server's whole-request limit (data-max-request-bytes).
  function uploadProblem(form) {
    var limit = parseInt(document.body.getAttribute("data-max-request-bytes") || "0", 10);
    var total = 0;
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i += 1) {
      var input = inputs[i];
      var files = input.files || [];
      var each = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
      var count = parseInt(input.getAttribute("data-max-count") || "0", 10);
      if (count && files.length > count) {
        return { input: input, message: "最多上传" + count + "张照片，您选了" + files.length + "张。" };
      }
      for (var j = 0; j < files.length; j += 1) {
        total += files[j].size;
        if (each && files[j].size > each) {
          return { input: input, message: "照片“" + files[j].name + "”有" + fileSize(files[j].size)
            + "，太大了：每张不能超过" + fileSize(each) + "。请换一张较小的照片，或用手机截图后再传。" };
        }
      }
    }
    if (limit && total > limit) {
      return { input: inputs[0], message: "照片一共有" + fileSize(total) + "，太大了：一次最多" + fileSize(limit)
        + "。请少传几张或换较小的照片。" };
    }
    return null;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "file" || !input.form) return;
    var problem = uploadProblem(input.form);
    var box = document.getElementById("page-error");
    if (problem) showError(problem.message, input.closest(".field") || input);
    else if (box) box.parentNode.removeChild(box);
  });

  // Capture phase: runs before htmx's boosted submit handler, and stops it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.querySelector || !form.querySelector("input[type=file]")) return;
    var problem = uploadProblem(form);
    if (!problem) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    showError(problem.message, problem.input ? problem.input.closest(".field") || problem.input : form);
  }, true);

  // "复制通知" buttons: copy the text of the element named by data-copy-target.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) return;
    event.preventDefault();
    navigator.clipboard.writeText(source.innerText || source.value).then(function () {
      button.textContent = "已复制";
    });
  });
})();
