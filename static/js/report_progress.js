/*
 * Report status page: polls the job's JSON status and updates the progress bar,
 * the status text (an aria-live region, changed only when the status changes)
 * and, once the document is ready, reveals the download link.
 * Without JavaScript the page offers an "Actualiser" link instead.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-report-status-url]");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-report-status-url");
  var bar = root.querySelector("progress");
  var percent = root.querySelector("[data-report-percent]");
  var label = root.querySelector("[data-report-status-label]");
  var errorBox = root.querySelector("[data-report-error]");
  var download = root.querySelector("[data-report-download]");
  var archive = root.querySelector("[data-report-archive]");
  var refresh = root.querySelector("[data-report-refresh]");
  var status = root.getAttribute("data-report-status");
  var interval = 1500;
  var failures = 0;

  function isFinal(value) {
    return value === "done" || value === "failed";
  }

  function update(data) {
    var progress = Math.max(0, Math.min(100, Number(data.progress) || 0));
    if (bar) {
      bar.value = progress;
      bar.textContent = progress + "\u00a0%";
    }
    if (percent) {
      percent.textContent = progress + "\u00a0%";
    }
    if (data.status !== status) {
      status = data.status;
      root.setAttribute("data-report-status", status);
      if (label) {
        label.textContent = data.status_label || status;
        label.className = "status status-" + status;
      }
    }
    if (errorBox) {
      errorBox.textContent = data.error || "";
      errorBox.hidden = !data.error;
    }
    if (download && data.download_url) {
      var link = download.querySelector("a");
      if (link) {
        link.href = data.download_url;
      }
      download.hidden = false;
    }
    if (archive && data.archive_url) {
      var archiveLink = archive.querySelector("a");
      if (archiveLink) {
        archiveLink.href = data.archive_url;
      }
      archive.hidden = false;
    }
    if (refresh && isFinal(status)) {
      refresh.hidden = true;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        update(data);
        if (!isFinal(data.status)) {
          window.setTimeout(poll, interval);
        }
      })
      .catch(function () {
        // Keep the "Actualiser" link as the way out; retry a few times, more slowly.
        failures += 1;
        if (failures < 5) {
          window.setTimeout(poll, interval * (failures + 1));
        }
      });
  }

  if (!isFinal(status)) {
    window.setTimeout(poll, interval);
  }
})();
