// HotDash page behaviour: relative times and deadlines, keyboard shortcuts,
// the shortcuts dialog, the time zone of the new-decision form, and the live
// regions' status and announcements (new decisions, newly breached
// conversations). Plain ES2020, no dependencies. Every page works
// without it; this only adds to what the server rendered.
(() => {
  "use strict";

  const MINUTE = 60 * 1000;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;

  // ---------- Relative times ----------

  const absoluteFormat = new Intl.DateTimeFormat(undefined, {
    weekday: "short", year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });

  // relative says how far date is from now: "in 12 min", "4 min ago".
  function relative(date, now) {
    const diff = date.getTime() - now;
    const abs = Math.abs(diff);
    let text;
    if (abs < 45 * 1000) {
      return diff > 0 ? "in under a minute" : "just now";
    } else if (abs < HOUR) {
      text = `${Math.max(1, Math.round(abs / MINUTE))} min`;
    } else if (abs < DAY) {
      const h = Math.floor(abs / HOUR);
      const m = Math.round((abs % HOUR) / MINUTE);
      text = h < 6 && m > 0 && m < 60 ? `${h} h ${m} min` : `${Math.round(abs / HOUR)} h`;
    } else if (abs < 45 * DAY) {
      const d = Math.round(abs / DAY);
      text = `${d} ${d === 1 ? "day" : "days"}`;
    } else {
      return absoluteFormat.format(date);
    }
    return diff > 0 ? `in ${text}` : `${text} ago`;
  }

  // deadline says how far an SLA deadline is: "in 12 min" before it,
  // "breached 4 min ago" after.
  function deadline(date, now) {
    const text = relative(date, now);
    if (date.getTime() > now) return text;
    return text === "just now" ? "breached just now" : `breached ${text}`;
  }

  // updateTimes rewrites every <time datetime> under root: relative text
  // (deadlines, marked data-deadline, say "breached … ago" once past), and
  // the absolute time in the user's zone (plus UTC) on hover.
  function updateTimes(root) {
    const now = Date.now();
    for (const el of root.querySelectorAll("time[datetime]")) {
      const date = new Date(el.getAttribute("datetime"));
      if (Number.isNaN(date.getTime())) continue;
      if (!el.dataset.utc) el.dataset.utc = el.textContent;
      el.textContent = el.hasAttribute("data-deadline") ? deadline(date, now) : relative(date, now);
      el.title = `${absoluteFormat.format(date)} (${el.dataset.utc})`;
    }
  }

  // ---------- Keyboard shortcuts ----------

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  function openShortcuts() {
    const dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }

  function installShortcuts() {
    if (!document.getElementById("shortcuts")) return; // signed-out pages
    let gAt = 0;
    document.addEventListener("keydown", (e) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const dialog = document.getElementById("shortcuts");
      if (dialog && dialog.open) return;
      const afterG = Date.now() - gAt < 1500;
      gAt = 0;
      let to = "";
      if (afterG && e.key === "d") to = "/";
      else if (afterG && e.key === "l") to = "/decisions";
      else if (afterG && e.key === "q") to = "/queue";
      else if (afterG && e.key === "a") to = "/approvals";
      else if (e.key === "n") to = "/decisions/new";
      else if (e.key === "g") gAt = Date.now();
      else if (e.key === "?") openShortcuts();
      else if (e.key === "/") {
        const search = document.getElementById("header-search");
        if (search) search.focus();
      } else return;
      e.preventDefault();
      if (to) window.location.assign(to);
    });
    for (const b of document.querySelectorAll("[data-shortcuts-open]")) {
      b.addEventListener("click", openShortcuts);
    }
  }

  // ---------- Time zone of the new-decision form ----------

  function offsetText(minutes) {
    const sign = minutes < 0 ? "−" : "+";
    const abs = Math.abs(minutes);
    const hh = String(Math.floor(abs / 60)).padStart(2, "0");
    const mm = String(abs % 60).padStart(2, "0");
    return `UTC${sign}${hh}:${mm}`;
  }

  // fillZone records the browser's offset from UTC (minutes east) for the
  // due time entered (so daylight saving is right), and names the zone.
  function fillZone(form) {
    const due = form.querySelector('input[type="datetime-local"]');
    let when = new Date();
    if (due && due.value) {
      const d = new Date(due.value); // a date-time without offset is local time
      if (!Number.isNaN(d.getTime())) when = d;
    }
    const minutes = -when.getTimezoneOffset();
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    const off = form.querySelector("[data-tz-offset]");
    const name = form.querySelector("[data-tz-zone]");
    if (off) off.value = String(minutes);
    if (name) name.value = zone;
    for (const label of form.querySelectorAll("[data-tz-name]")) {
      label.textContent = zone ? `${zone} (${offsetText(minutes)})` : offsetText(minutes);
    }
  }

  function installZoneForms() {
    for (const form of document.querySelectorAll("form[data-tz-form]")) {
      fillZone(form);
      form.addEventListener("change", () => fillZone(form));
      form.addEventListener("submit", () => fillZone(form));
    }
  }

  // ---------- Live regions: status, new decisions, new breaches ----------

  function announce(text) {
    const region = document.getElementById("live-announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(() => { region.textContent = text; }, 50);
  }

  function headOf(body) {
    const el = body.querySelector("[data-head]");
    return el ? Number(el.dataset.head) || 0 : 0;
  }

  function installDecisionTile() {
    const body = document.getElementById("decision-tile-body");
    if (!body) return;
    let head = headOf(body);
    body.addEventListener("htmx:sseMessage", () => {
      const next = headOf(body);
      if (next > head) {
        const n = next - head;
        announce(`${n} new ${n === 1 ? "decision" : "decisions"}`);
      }
      head = next;
    });
  }

  // watchBreaches announces, once each, the breached conversations a live
  // region shows that it did not show breached before ("#42 breached first
  // response"). What the page showed when it loaded is not news.
  function watchBreaches(region) {
    const seen = new Set();
    const collect = () => {
      const fresh = [];
      for (const el of region.querySelectorAll("[data-breach]")) {
        const key = el.dataset.breachKey || el.dataset.breach;
        if (!seen.has(key)) {
          seen.add(key);
          fresh.push(el.dataset.breach);
        }
      }
      return fresh;
    };
    collect();
    region.addEventListener("htmx:sseMessage", () => {
      const fresh = collect();
      if (fresh.length > 3) {
        announce(`${fresh.slice(0, 3).join("; ")}; and ${fresh.length - 3} more breached`);
      } else if (fresh.length > 0) {
        announce(fresh.join("; "));
      }
    });
  }

  function installLive() {
    installDecisionTile();
    for (const region of document.querySelectorAll("[data-breach-watch]")) watchBreaches(region);
    // Every swapped-in part gets its times made relative at once.
    document.addEventListener("htmx:sseMessage", (e) => {
      if (e.target instanceof Element) updateTimes(e.target);
    });
    for (const live of document.querySelectorAll("[data-live]")) {
      const status = live.querySelector("[data-live-status]");
      live.addEventListener("htmx:sseOpen", () => {
        live.dataset.live = "open";
        if (status) status.hidden = true;
      });
      live.addEventListener("htmx:sseError", () => {
        live.dataset.live = "error";
        if (status) status.hidden = false;
      });
    }
  }

  // ---------- Approvals: moving through drafts, grading, deciding ----------

  // reviewKeyTarget reports whether a key press in target may act as a
  // review shortcut: anywhere but text fields (grade radios and checkboxes
  // are fine).
  function reviewKeyTarget(target) {
    if (!(target instanceof Element)) return true;
    if (target instanceof HTMLInputElement) return ["radio", "checkbox"].includes(target.type);
    return !isTyping(target);
  }

  function installApprovalsQueue() {
    const region = document.querySelector("[data-approvals-queue]");
    if (!region) return;
    document.addEventListener("keydown", (e) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || !reviewKeyTarget(e.target)) return;
      const links = Array.from(region.querySelectorAll("[data-draft-row] a[id^='draft-link-']"));
      if (links.length === 0) return;
      const row = document.activeElement && document.activeElement.closest("[data-draft-row]");
      const at = row ? links.findIndex((a) => row.contains(a)) : -1;
      let to = -1;
      if (e.key === "j") to = Math.min(at + 1, links.length - 1);
      else if (e.key === "k") to = Math.max(at - 1, 0);
      else if (e.key === "x" && row) {
        const box = row.querySelector("input[type='checkbox']");
        if (box) box.checked = !box.checked;
        e.preventDefault();
        return;
      } else return;
      e.preventDefault();
      links[to].focus();
      links[to].scrollIntoView({ block: "nearest" });
    });
  }

  function installReview() {
    const form = document.querySelector("[data-review-form]");
    const next = document.querySelector("[data-draft-next]");
    const prev = document.querySelector("[data-draft-prev]");
    if (!form && !next && !prev) return;
    const hint = form && form.querySelector("[data-review-hint]");
    const groups = form ? Array.from(form.querySelectorAll("[data-grade]")) : [];
    const note = form && form.querySelector("textarea[name='note']");
    const button = (action) => form.querySelector(`[data-review-action='${action}']`);
    const say = (text) => {
      if (hint) hint.textContent = text;
    };
    const focusGroup = (g) => {
      const radio = g.querySelector("input:checked") || g.querySelector("input");
      if (radio) radio.focus();
    };
    const missing = () => groups.filter((g) => !g.querySelector("input:checked"));
    const decide = (action) => {
      if (action === "approve" && form.dataset.kind === "reply" && missing().length > 0) {
        focusGroup(missing()[0]);
        say("Grade tone, accuracy and policy first: press G, then 1–5 for each.");
        return;
      }
      if (action !== "approve" && note && note.value.trim() === "") {
        form.dataset.pending = action;
        note.focus();
        say(action === "reject" ? "Write why it is rejected, then press Ctrl+Enter to reject." : "Write what to change, then press Ctrl+Enter to send it back.");
        return;
      }
      form.requestSubmit(button(action));
    };
    document.addEventListener("keydown", (e) => {
      if (e.defaultPrevented || e.metaKey || e.altKey) return;
      if (form && e.ctrlKey && e.key === "Enter" && form.contains(e.target)) {
        e.preventDefault();
        decide(form.dataset.pending || "approve");
        return;
      }
      if (e.ctrlKey || !reviewKeyTarget(e.target)) return;
      const dialog = document.getElementById("shortcuts");
      if (dialog && dialog.open) return;
      const group = e.target instanceof Element ? e.target.closest("[data-grade]") : null;
      if (group && /^[1-5]$/.test(e.key)) {
        const radio = group.querySelector(`input[value='${e.key}']`);
        radio.checked = true;
        const i = groups.indexOf(group);
        if (i + 1 < groups.length) focusGroup(groups[i + 1]);
        else say("Graded. Press a to approve.");
      } else if (e.key === "j" && next) next.click();
      else if (e.key === "k" && prev) prev.click();
      else if (form && e.key === "G" && groups.length > 0) focusGroup(missing()[0] || groups[0]);
      else if (form && e.key === "a") decide("approve");
      else if (form && e.key === "c") decide("request_changes");
      else if (form && e.key === "r") decide("reject");
      else return;
      e.preventDefault();
    });
  }

  // ---------- Small form helpers ----------

  function installForms() {
    document.addEventListener("submit", (e) => {
      const form = e.target;
      if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        e.preventDefault();
      }
    });
    for (const input of document.querySelectorAll("input[data-select-on-focus]")) {
      input.addEventListener("focus", () => input.select());
      input.addEventListener("click", () => input.select());
    }
    const first = document.querySelector("[data-focus-on-load]");
    if (first) first.focus();
  }

  // ---------- Notification center: the bell and the preferences form ----------

  // installNotifications announces, once, each urgent notification that
  // arrives on the bell while the page is open ("Urgent notification: S1
  // incident opened"); what the bell showed when the page loaded is not
  // news. Pages without a live region get one. It also offers the
  // browser's time zone on a preferences form never saved.
  function installNotifications() {
    const zone = document.querySelector("input[data-tz-suggest]");
    if (zone) {
      const name = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      if (name && (zone.value === "" || zone.value === "UTC")) zone.value = name;
    }
    const bell = document.querySelector("[data-notifications-bell]");
    if (!bell) return;
    if (!document.getElementById("live-announcer")) {
      const region = document.createElement("div");
      region.className = "sr-live";
      region.id = "live-announcer";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    const urgent = () => {
      const badge = bell.querySelector("[data-urgent-id]");
      return badge ? { id: Number(badge.dataset.urgentId) || 0, text: badge.dataset.urgentText || "" } : { id: 0, text: "" };
    };
    let seen = urgent().id;
    bell.addEventListener("htmx:sseMessage", () => {
      const next = urgent();
      if (next.id > seen) {
        seen = next.id;
        announce(`Urgent notification: ${next.text}`);
      }
    });
  }

  function start() {
    updateTimes(document);
    window.setInterval(() => updateTimes(document), 30 * 1000);
    installShortcuts();
    installZoneForms();
    installLive();
    installApprovalsQueue();
    installReview();
    installForms();
    installNotifications();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
