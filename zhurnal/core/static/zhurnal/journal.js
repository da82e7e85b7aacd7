/* The journal grid: spreadsheet-like entry (issue 4).
 *
 * Cells are <td class="c a|m|p [e]" data-*> (attendance, mark, period mark; "e" when the user
 * may change it), rendered compactly by zhurnal/journal/rendering.py: the text is what the cell
 * shows, data-v the saved value when it differs, data-n the version, data-l the lesson, data-c
 * the mark column, data-k/data-t/data-f the period mark's kind, term and forecast; the student
 * is the row's data-student. One cell is active (roving tabindex). Arrows and Tab move;
 * typing opens an editor in the cell; Enter saves and moves down, Tab saves and moves right,
 * Escape cancels, Delete clears. Every confirmed cell is POSTed at once to data-save-url
 * (zhurnal/journal/views.py save_cell); saves run one after another so a mark typed into a
 * lesson without columns creates one column, not several. A cell shows "saving" until the
 * server answers, "saved" only then, and "error" with the reason otherwise: a failed save
 * never looks saved. 409 (changed meanwhile) shows what is saved now; 422 reason_required
 * asks for the reason in a dialog and saves again with it.
 *
 * Keyboard and screen readers (issue 15): the grid is one tab stop (role="grid", roving
 * tabindex; the lesson dates leave the tab order and Ctrl+Enter opens the active cell's lesson
 * pane). Home/End: the row's first/last cell; Ctrl+Home/Ctrl+End: the grid's first/last cell;
 * Ctrl+Left/Right: the previous/next lesson's first cell (its attendance); Ctrl+Up/Down: the
 * column's first/last student; Ctrl+. (or the «To the latest lesson» button): the first cell of
 * the latest lesson held, th.lesson-h.latest — where the grid opens, focused. The focused
 * cell's accessible name (student, date, column, value or "empty") is built here from the
 * headers, so the served HTML does not grow by a label per cell. A mark and an absence in the
 * same lesson are allowed but the status line warns.
 */
(function () {
  "use strict";

  // Attendance codes typed in the Latin layout by mistake (the same keys as Н, Б, У, О, П).
  var LATIN = { y: "н", ",": "б", e: "у", j: "о", g: "п", "<": "б" };
  var ATTENDANCE = { "": "", "н": "Н", "б": "Б", "у": "У", "оп": "ОП" };

  function init(table) {
    var saveUrl = table.dataset.saveUrl;
    var term = table.dataset.term || null;
    var course = table.dataset.course;
    var status = document.getElementById("journal-status");
    var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
    var dialog = document.getElementById("reason-dialog");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var grid = rows.map(function (row) {
      return Array.prototype.slice.call(row.querySelectorAll("td.c"));
    });
    var active = null;
    var editor = null;
    var heads = columnNames();
    var dates = lessonDates();
    var queue = Promise.resolve();
    var pending = 0;
    // Printing (print.css): the type is sized by the number of columns, so that a term's grid
    // fits the width of an A4 sheet.
    table.style.setProperty("--columns", String(heads.length || 1));

    function say(text, isError) {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("err", !!isError);
      status.classList.remove("warn");
    }

    // Per cell index of a row, the name of its column: the attendance and mark columns of the
    // second header row, then the period marks of the first.
    function columnNames() {
      var head = table.tHead;
      if (!head || head.rows.length < 2) return [];
      var cols = Array.prototype.slice.call(head.rows[1].cells);
      var periods = Array.prototype.slice.call(head.rows[0].querySelectorAll("th.period-h"));
      return cols.concat(periods).map(function (th) {
        if (th.classList.contains("att-h")) return gettext("attendance");
        var title = th.getAttribute("title");
        return title ? title.split(" · ")[0] : th.textContent.trim();
      });
    }

    // Per lesson id, its date header (the link to the lesson and its side pane).
    function lessonDates() {
      var map = {};
      table.querySelectorAll("th.lesson-h a[href]").forEach(function (link) {
        var id = link.getAttribute("href").match(/(\d+)\/?$/);
        if (id) map[id[1]] = link;
        link.tabIndex = -1;  // one tab stop for the grid: Ctrl+Enter opens a lesson's pane
      });
      return map;
    }

    function label(cell) {
      var p = position(cell);
      var student = rows[p[0]].cells[0].textContent.replace(/^\s*\d+\.\s*/, "").trim();
      var parts = [student];
      var date = cell.dataset.l && dates[cell.dataset.l];
      if (date) parts.push((date.closest("th").getAttribute("title") || date.textContent).split(" — ")[0]);
      if (heads[p[1]]) parts.push(heads[p[1]]);
      var value = cell.textContent.trim() || (kindOf(cell) === "period" && cell.dataset.f
        ? interpolate(gettext("empty, forecast %s"), [cell.dataset.f])
        : gettext("empty"));
      cell.setAttribute("aria-label", parts.join(", ") + ": " + value);
    }

    function position(cell) {
      var r = rows.indexOf(cell.parentNode);
      return [r, grid[r].indexOf(cell)];
    }

    function activate(cell, focus) {
      if (!cell) return;
      if (active) {
        active.tabIndex = -1;
        active.removeAttribute("aria-label");  // only the focused cell carries a name
      }
      active = cell;
      cell.tabIndex = 0;
      label(cell);
      if (focus !== false) {
        cell.focus({ preventScroll: false });
        cell.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    }

    function move(cell, dr, dc) {
      var p = position(cell);
      var r = Math.min(Math.max(p[0] + dr, 0), grid.length - 1);
      var c = Math.min(Math.max(p[1] + dc, 0), grid[r].length - 1);
      return grid[r][c];
    }

    // The first cell of a lesson (its attendance); -1: the previous lesson, 1: the next one;
    // the period marks count as one block after the last lesson.
    function lessonJump(cell, step) {
      var p = position(cell);
      var cells = grid[p[0]];
      var starts = [];
      cells.forEach(function (c, i) {
        if (i === 0 || c.dataset.l !== cells[i - 1].dataset.l) starts.push(i);
      });
      var block = 0;
      starts.forEach(function (s, i) { if (s <= p[1]) block = i; });
      var target = step < 0 && starts[block] < p[1] ? block : block + step;
      target = Math.min(Math.max(target, 0), starts.length - 1);
      return cells[starts[target]];
    }

    function latestCell() {
      var th = table.querySelector("th.lesson-h.latest a[href]");
      var id = th && th.getAttribute("href").match(/(\d+)\/?$/);
      if (!id) return null;
      var row = 0;
      if (active) row = position(active)[0];
      return grid[row].filter(function (c) { return c.dataset.l === id[1]; })[0] || null;
    }

    function navigate(event, cell) {
      var k = event.key;
      var ctrl = event.ctrlKey || event.metaKey;
      var p = position(cell);
      var row = grid[p[0]];
      if (ctrl && (k === "." || event.code === "Period")) return latestCell();
      if (k === "Home") return ctrl ? grid[0][0] : row[0];
      if (k === "End") {
        if (!ctrl) return row[row.length - 1];
        var last = grid[grid.length - 1];
        return last[last.length - 1];
      }
      if (!ctrl) return undefined;
      if (k === "ArrowLeft") return lessonJump(cell, -1);
      if (k === "ArrowRight") return lessonJump(cell, 1);
      if (k === "ArrowUp") return grid[0][Math.min(p[1], grid[0].length - 1)];
      if (k === "ArrowDown") {
        var bottom = grid[grid.length - 1];
        return bottom[Math.min(p[1], bottom.length - 1)];
      }
      if (k === "Enter" && cell.dataset.l && dates[cell.dataset.l]) {
        dates[cell.dataset.l].click();  // the lesson's side pane (htmx)
        return null;
      }
      return undefined;
    }

    // An absence (Н, Б, У) and a mark in the same lesson: allowed, but said (issue 15).
    function conflict(cell) {
      var lesson = cell.dataset.l;
      if (!lesson) return false;
      var same = cell.parentNode.querySelectorAll('td.c[data-l="' + lesson + '"]');
      var absent = false, marked = false;
      same.forEach(function (c) {
        var text = c.textContent.trim();
        if (c.classList.contains("a")) absent = ["Н", "Б", "У"].indexOf(text) >= 0;
        else if (text && c.classList.contains("m")) marked = true;
      });
      return absent && marked;
    }

    function editable(cell) {
      return !!cell && cell.classList.contains("e");
    }

    function kindOf(cell) {
      if (cell.classList.contains("a")) return "attendance";
      return cell.classList.contains("m") ? "mark" : "period";
    }

    // The saved value: data-v when the cell shows something else (an attempted value, or the
    // absence register's reason), else its text.
    function saved(cell) {
      return "v" in cell.dataset ? cell.dataset.v : cell.textContent;
    }

    function show(cell, text, savedValue) {
      cell.textContent = text;
      if (text !== savedValue) cell.dataset.v = savedValue;
      else delete cell.dataset.v;
      if (cell === active) label(cell);
    }

    function normalise(cell, text) {
      text = text.trim();
      if (kindOf(cell) === "attendance") {
        var lower = text.toLowerCase().split("").map(function (ch) {
          return LATIN[ch] || ch;
        }).join("");
        return ATTENDANCE.hasOwnProperty(lower) ? ATTENDANCE[lower] : text.toUpperCase();
      }
      return text;
    }

    // ``suggested``: the editor opens with the forecast of a period mark, which is saved only
    // when the teacher confirms it with Enter (or edits it); leaving the cell otherwise —
    // a click elsewhere, Tab, an arrow — saves nothing (issue 4: "never saved without the
    // teacher's action").
    function openEditor(cell, initial, suggested) {
      if (!editable(cell)) {
        say(cell.classList.contains("off")
          ? gettext("The student is not on the list on this day.")
          : gettext("This cell cannot be changed by you."), true);
        return;
      }
      closeEditor(false);
      var input = document.createElement("input");
      input.type = "text";
      input.className = "cell-editor";
      input.maxLength = 20;
      input.autocomplete = "off";
      input.setAttribute("aria-label", gettext("Value"));
      // On a touch keyboard the confirm key is Enter (not «Done», which only hides it).
      input.setAttribute("enterkeyhint", "enter");
      input.value = initial;
      cell.classList.add("editing");
      cell.appendChild(input);
      editor = { cell: cell, input: input, suggested: suggested ? initial : null };
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
      input.addEventListener("keydown", onEditorKey);
      input.addEventListener("blur", function () {
        if (editor && editor.input === input) commit(0, 0, false);
      });
    }

    // Edit a cell's value; an empty period mark starts from its forecast (a suggestion).
    function edit(cell) {
      var current = saved(cell);
      var forecast = !current && kindOf(cell) === "period" ? cell.dataset.f || "" : "";
      openEditor(cell, current || forecast, forecast !== "");
    }

    function closeEditor(refocus) {
      if (!editor) return;
      var cell = editor.cell;
      var input = editor.input;
      editor = null;
      cell.classList.remove("editing");
      input.remove();
      if (refocus) activate(cell);
    }

    function onEditorKey(event) {
      var k = event.key;
      if (k === "Enter") { event.preventDefault(); commit(1, 0, true, true); }
      else if (k === "Tab") { event.preventDefault(); commit(0, event.shiftKey ? -1 : 1, true); }
      else if (k === "ArrowDown") { event.preventDefault(); commit(1, 0, true); }
      else if (k === "ArrowUp") { event.preventDefault(); commit(-1, 0, true); }
      else if (k === "Escape") { event.preventDefault(); closeEditor(true); say(""); }
    }

    function commit(dr, dc, refocus, confirmed) {
      if (!editor) return;
      var cell = editor.cell;
      var untouched = editor.suggested !== null && editor.input.value === editor.suggested;
      var value = normalise(cell, editor.input.value);
      closeEditor(false);
      if (untouched && !confirmed) {
        say(gettext("The forecast was not saved: press Enter to enter it."));
      } else if (value !== saved(cell) || cell.classList.contains("error")) {
        save(cell, value, "");
      }
      if (refocus) activate(dr || dc ? move(cell, dr, dc) : cell);
    }

    function body(cell, value, reason) {
      var d = cell.dataset;
      var kind = kindOf(cell);
      var data = {
        kind: kind,
        student: cell.parentNode.dataset.student,
        value: value,
        version: Number(d.n || 0),
        reason: reason,
        term: term,
        course: course
      };
      if (d.l) data.lesson = d.l;
      // The grid of the year's last term: the answer brings the year mark's new suggestion.
      if (cell.parentNode.querySelector('td.c.p[data-k="year"]')) data.year = 1;
      if (kind === "mark") data.column = d.c || null;
      if (kind === "period") {
        data.period_kind = d.k;
        data.term = d.t || null;
      }
      return data;
    }

    function save(cell, value, reason) {
      cell.classList.remove("error", "saved");
      cell.classList.add("saving");
      cell.setAttribute("aria-busy", "true");
      cell.title = gettext("Saving…");
      show(cell, value, saved(cell));
      pending += 1;
      queue = queue.then(function () {
        return send(cell, value, reason);
      }).then(function () {
        pending -= 1;
      });
    }

    function send(cell, value, reason) {
      return fetch(saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(body(cell, value, reason))
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          answer.status = response.status;
          return answer;
        });
      }).then(function (answer) {
        done(cell, value, answer);
      }, function () {
        failed(cell, value, gettext("No connection: the entry is NOT saved. Try again."));
      });
    }

    function done(cell, value, answer) {
      cell.classList.remove("saving");
      cell.removeAttribute("aria-busy");
      if (answer.ok) {
        cell.dataset.n = answer.version;
        cell.classList.toggle("late", !!answer.late);
        cell.title = answer.late ? gettext("entered late") : "";
        show(cell, answer.shown === undefined ? answer.value : answer.shown, answer.value);
        if (answer.column && cell.dataset.x) adoptColumn(cell.dataset.x, answer);
        if (answer.average !== undefined || answer.year_forecast !== undefined) {
          summary(cell, answer);
        }
        cell.classList.add("saved");
        setTimeout(function () { cell.classList.remove("saved"); }, 1500);
        if (conflict(cell)) {
          say(gettext("Saved. Check: the student is marked absent and has a mark in this lesson."));
          status.classList.add("warn");
        } else {
          say(gettext("Saved."));
        }
        return;
      }
      if (answer.code === "stale" && answer.current) {
        cell.dataset.n = answer.current.version;
        show(cell, answer.current.value, answer.current.value);
        cell.classList.add("error");
        cell.title = answer.message;
        say(answer.message + " «" + (answer.current.value || "—") + "»", true);
        return;
      }
      if (answer.code === "reason_required" && dialog && dialog.showModal) {
        askReason(cell, value, answer.message);
        return;
      }
      failed(cell, value, answer.message || gettext("The entry is NOT saved."));
    }

    function failed(cell, value, message) {
      cell.classList.remove("saving");
      cell.removeAttribute("aria-busy");
      cell.classList.add("error");
      cell.title = message;
      show(cell, value, saved(cell));
      say(message, true);
    }

    function askReason(cell, value, message) {
      var text = dialog.querySelector("textarea");
      var context = dialog.querySelector("[data-reason-context]");
      if (context) context.textContent = message;
      text.value = "";
      dialog.returnValue = "";
      cell.classList.add("saving");  // not saved until a reason is given
      dialog.showModal();
      text.focus();
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        var reason = text.value.trim();
        cell.classList.remove("saving");
        if (dialog.returnValue === "ok" && reason) {
          save(cell, value, reason);
        } else {
          show(cell, saved(cell), saved(cell));
          cell.classList.remove("error");
          cell.title = "";
          say(gettext("Not changed: no reason given."));
        }
        activate(cell);
      });
    }

    // A lesson's first mark made its column: every cell of that lesson's empty column now
    // belongs to it.
    function adoptColumn(lessonId, answer) {
      table.querySelectorAll('td.c[data-x="' + lessonId + '"]').forEach(function (c) {
        c.dataset.c = answer.column;
        delete c.dataset.x;
      });
      var head = table.querySelector('[data-virtual-h="' + lessonId + '"]');
      if (head) {
        head.textContent = answer.work_type;
        head.classList.remove("virtual");
        head.removeAttribute("data-virtual-h");
      }
    }

    function summary(cell, answer) {
      var row = cell.parentNode;
      if (answer.average !== undefined) {
        var avg = row.querySelector("td.avg");
        var fc = row.querySelector("td.fc");
        if (avg) avg.textContent = answer.average || "";
        if (fc) fc.textContent = answer.forecast || "";
        row.querySelectorAll('td.c.p[data-k="term"]').forEach(function (p) {
          p.dataset.f = answer.forecast || "";
        });
      }
      // The year mark's suggestion: the mean of the term marks (the server's answer).
      if (answer.year_forecast !== undefined) {
        row.querySelectorAll('td.c.p[data-k="year"]').forEach(function (p) {
          p.dataset.f = answer.year_forecast;
        });
      }
    }

    table.addEventListener("keydown", function (event) {
      if (editor || !active || event.target !== active) return;
      var k = event.key;
      var cell = active;
      var target = event.altKey ? undefined : navigate(event, cell);
      if (target !== undefined) {
        event.preventDefault();
        if (target) activate(target);
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (k === "ArrowRight") { event.preventDefault(); activate(move(cell, 0, 1)); }
      else if (k === "ArrowLeft") { event.preventDefault(); activate(move(cell, 0, -1)); }
      else if (k === "ArrowDown") { event.preventDefault(); activate(move(cell, 1, 0)); }
      else if (k === "ArrowUp") { event.preventDefault(); activate(move(cell, -1, 0)); }
      else if (k === "Tab") {
        var next = move(cell, 0, event.shiftKey ? -1 : 1);
        if (next !== cell) { event.preventDefault(); activate(next); }
      }
      else if (k === "Enter" || k === "F2") {
        event.preventDefault();
        edit(cell);
      }
      else if (k === "Delete" || k === "Backspace") {
        event.preventDefault();
        if (!editable(cell)) { openEditor(cell, ""); return; }
        if (saved(cell) !== "") save(cell, "", "");
      }
      else if (k === " " && kindOf(cell) === "attendance") {
        event.preventDefault();
        if (editable(cell)) save(cell, saved(cell) === "Н" ? "" : "Н", "");
        else openEditor(cell, "");
      }
      else if (k.length === 1) {
        event.preventDefault();
        openEditor(cell, k);
      }
    });

    table.addEventListener("click", function (event) {
      var cell = event.target.closest("td.c");
      if (!cell || (editor && editor.cell === cell)) return;
      if (cell === active && editable(cell)) {
        edit(cell);
      } else {
        activate(cell);
      }
    });
    table.addEventListener("dblclick", function (event) {
      var cell = event.target.closest("td.c");
      if (cell && editable(cell) && !editor) edit(cell);
    });

    window.addEventListener("beforeunload", function (event) {
      if (pending > 0 || editor) {
        event.preventDefault();
        event.returnValue = "";
      }
    });

    grid.forEach(function (cells) { cells.forEach(function (c) { c.tabIndex = -1; }); });
    table.setAttribute("role", "grid");
    // Start, focused, on the first cell of the latest lesson held (today's or the last
    // before today), else the first editable cell, else the first.
    var all = [].concat.apply([], grid);
    var first = latestCell();
    if (first && !editable(first)) {  // the first student not on the list that day
      var lessonId = first.dataset.l;
      first = all.filter(function (c) { return c.dataset.l === lessonId && editable(c); })[0]
        || first;
    }
    first = first || all.filter(editable)[0] || all[0];
    function reveal(cell) {
      // Bring the lesson into view inside the grid's own scroll area (not the page).
      // In the middle of the room the sticky names leave (on a phone they take half of it).
      var wrap = table.parentNode;
      if (wrap.scrollWidth > wrap.clientWidth) {
        var names = rows.length ? rows[0].cells[0].offsetWidth : 0;
        var room = Math.max(0, wrap.clientWidth - names - cell.offsetWidth);
        wrap.scrollLeft = Math.max(0, cell.offsetLeft - names - room / 2);
      }
    }
    if (first) {
      activate(first, false);
      reveal(first);
      if (!location.hash && table.hasAttribute("data-autofocus")) {
        first.focus({ preventScroll: true });
      }
    }
    var button = document.getElementById("to-latest");
    if (button) {
      button.addEventListener("click", function (event) {
        var cell = latestCell();
        if (!cell) return;  // without the grid's script: the lesson's own page
        event.preventDefault();
        activate(cell);
        reveal(cell);
      });
    }
    table.dataset.ready = "1";
  }

  // Texts in the page's language: Django's JavaScript catalogue (/jsi18n/, djangojs.po).
  function gettext(text) {
    return window.gettext ? window.gettext(text) : text;
  }

  function interpolate(text, args) {
    return window.interpolate ? window.interpolate(text, args) : text.replace("%s", args[0]);
  }

  // The grid's side pane of a lesson (topic, homework, notes), loaded by htmx from the
  // lesson's date in the header: focus moves into it, Esc or × closes it and returns to the
  // date it came from.
  function initPane(pane) {
    var opener = null;
    function close() {
      pane.innerHTML = "";
      document.querySelectorAll("th.lesson-h.selected").forEach(function (th) {
        th.classList.remove("selected");
      });
      // Back to the grid's active cell (the dates are out of the tab order), else the opener.
      var cell = document.querySelector("table[data-journal] td.c[tabindex='0']");
      if (cell) cell.focus();
      else if (opener) opener.focus();
    }
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var link = event.detail.elt;
      if (!link.closest || !link.closest("th.lesson-h")) return;
      opener = link;
      document.querySelectorAll("th.lesson-h.selected").forEach(function (th) {
        th.classList.remove("selected");
      });
      link.closest("th.lesson-h").classList.add("selected");
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== pane) return;
      // After a save, the outcome (its form was replaced); else the pane's title.
      var first = pane.querySelector(".pane-outcome") || pane.querySelector("#pane-title");
      if (first) first.focus();
    });
    // htmx swaps nothing on an error answer: say so instead of doing nothing (the lesson was
    // cancelled or given to a substitute meanwhile, the session ended, no connection).
    function failed(event) {
      var elt = event.detail.elt;
      if (!elt || !elt.closest || !(pane.contains(elt) || elt.closest("th.lesson-h"))) return;
      var status = document.getElementById("journal-status");
      var code = event.detail.xhr ? event.detail.xhr.status : 0;
      var text = code === 403
        ? gettext("Not saved: you may no longer keep this lesson. Reload the page.")
        : code
          ? gettext("Not saved: the server refused it. Reload the page and try again.")
          : gettext("No connection: NOT saved.");
      if (status) {
        status.textContent = text;
        status.classList.add("err");
      }
    }
    document.body.addEventListener("htmx:responseError", failed);
    document.body.addEventListener("htmx:sendError", failed);
    pane.addEventListener("click", function (event) {
      if (event.target.closest("[data-pane-close]")) close();
    });
    pane.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      event.preventDefault();
      // Esc in a field leaves the field first (what was typed stays); Esc again closes.
      var field = event.target.closest("input, textarea, select");
      if (field) { field.blur(); pane.querySelector("#pane-title").focus(); }
      else close();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-journal]").forEach(init);
    var pane = document.getElementById("lesson-pane");
    if (pane) initPane(pane);
    document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
