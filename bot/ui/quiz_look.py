"""The 练习 tab's look and keys, put in the page's <head> by the tab itself (gr.HTML's `head`), so
the tab stays one registration: its styles, and a script for the keyboard and the test's timer.

Keys, only while the question panel is on screen and no other box has the focus: 1–6 or A–F
choose an option (true/false: 1/A 正确, 2/B 错误); Enter submits the answer, then goes to the
next question, then (all answered) shows the results. In the fill-in box typing is typing and
Enter submits. Enter that confirms an input method's candidate (composing) is left alone.

The timer counts down from the seconds the server said were left when it rendered the question
(never from the browser's own clock); at zero it presses a hidden button, and the server decides.
"""

from __future__ import annotations

QUIZ_CSS = """
#quiz-panel .quiz-head { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; }
#quiz-panel .quiz-mode { font-weight: 700; color: var(--color-accent); }
#quiz-panel .quiz-scope { color: var(--body-text-color-subdued); flex: 1 1 12em; min-width: 0; }
#quiz-progress { font-weight: 600; }
#quiz-panel .quiz-done { color: var(--body-text-color-subdued); }
#quiz-timer { font-variant-numeric: tabular-nums; font-weight: 700; padding: 0 6px; border-radius: 4px;
  background: var(--background-fill-secondary); }
#quiz-timer.low { color: #b91c1c; }
.quiz-question .quiz-type { color: var(--body-text-color-subdued); font-size: .9em; margin: 0; }
.quiz-question .quiz-stem { font-size: 1.08em; line-height: 1.7; margin: .2em 0 0; }
#quiz-options .wrap { flex-direction: column; align-items: stretch; gap: 6px; }
#quiz-options label { width: 100%; }
.quiz-feedback { border-left: 4px solid #9ca3af; padding: 4px 10px; margin-top: 4px; }
.quiz-feedback.right { border-color: #059669; }
.quiz-feedback.wrong { border-color: #dc2626; }
.quiz-feedback .verdict { font-weight: 700; margin: .2em 0; }
.quiz-feedback.right .verdict { color: #047857; }
.quiz-feedback.wrong .verdict { color: #b91c1c; }
.quiz-feedback p, .quiz-result p, .quiz-notebook p { margin: .3em 0; }
.quiz-feedback .explanation, .quiz-item .explanation, .quiz-notebook .explanation { line-height: 1.65; }
.quiz-cite { margin: .3em 0; border-left: 3px solid #f59e0b; padding-left: .5em; }
.quiz-cite summary { cursor: pointer; color: var(--color-accent); }
.quiz-cite .doc-title { color: var(--body-text-color-subdued); font-size: .88em; margin-left: .4em; }
.quiz-cite .clause-context { margin: .4em 0 .6em; font-size: .95em; }
.quiz-cite .clause-context .doc { color: var(--body-text-color-subdued); font-size: .88em; }
.quiz-cite .clause-context .clause-head { font-weight: 600; margin-bottom: .1em; }
.quiz-cite .clause-context .neighbour { color: var(--body-text-color-subdued); opacity: .7; font-size: .9em; }
.quiz-cite .clause-context .cited { margin: .4em 0; }
.quiz-cite mark.quoted { background: #fef3c7; color: inherit; font-weight: 600; }
.quiz-cite .clause-context .units { color: var(--body-text-color-subdued); margin-top: .3em; }
.quiz-result .quiz-score { font-size: 1.15em; font-weight: 700; }
.quiz-result .passed, .quiz-result .failed { margin-left: .6em; padding: 0 8px; border-radius: 4px; color: #fff; }
.quiz-result .passed { background: #059669; }
.quiz-result .failed { background: #dc2626; }
.quiz-result .pass-mark { margin-left: .6em; font-weight: 400; font-size: .85em;
  color: var(--body-text-color-subdued); }
.quiz-items, .quiz-notebook ol { padding-left: 1.4em; }
.quiz-item, .notebook-item { margin: .7em 0; padding-bottom: .4em; border-bottom: 1px solid var(--border-color-primary); }
.quiz-item > p, .notebook-item > p { display: block !important; }  /* Gradio's prose makes li > p inline */
.quiz-item .mark { font-weight: 700; }
.quiz-item.right .mark { color: #047857; }
.quiz-item.wrong .mark { color: #b91c1c; }
.quiz-options-list { list-style: none; padding-left: .4em; margin: .2em 0; }
.quiz-options-list li.answer { font-weight: 700; }
.notebook-item .meta, .quiz-note { color: var(--body-text-color-subdued); font-size: .92em; }
.notebook-item.due .meta { color: #b45309; }
.quiz-msg .ok-msg { color: #065f46; white-space: pre-line; }
.quiz-msg .warn-msg { color: #991b1b; white-space: pre-line; }
#quiz-look, #quiz-timeup { display: none !important; }  /* the timer's script presses the button */
#quiz-keys-help { color: var(--body-text-color-subdued); font-size: .85em; }
@media (max-width: 640px) {
  .quiz-question .quiz-stem { font-size: 1em; }
  #quiz-keys-help { display: none; }
}
"""

QUIZ_SCRIPT = """
(function () {
  if (window.studybotQuiz) return;
  window.studybotQuiz = true;
  function shown(id) {
    var el = document.getElementById(id);
    return el && el.offsetParent !== null ? el : null;
  }
  function typing(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && el.type !== "radio" && el.type !== "button");
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing || e.keyCode === 229) return;
    var panel = shown("quiz-panel");
    if (!panel) return;
    var active = document.activeElement;
    var inBlank = !!(active && active.closest && active.closest("#quiz-blank"));
    if (typing(active) && !inBlank) return;
    if (e.key === "Enter") {
      var go = ["quiz-answer", "quiz-next", "quiz-finish"].map(shown).filter(Boolean)[0];
      if (go && !go.disabled) { e.preventDefault(); e.stopPropagation(); go.click(); }
      return;
    }
    if (inBlank || e.key.length !== 1) return;
    var k = e.key.toUpperCase(), i = "123456".indexOf(k);
    if (i < 0) i = "ABCDEF".indexOf(k);
    if (i < 0) return;
    var options = panel.querySelectorAll("#quiz-options input[type=radio]");
    if (i < options.length && !options[i].disabled) { e.preventDefault(); options[i].click(); options[i].focus(); }
  }, true);
  var stamp = null, deadline = 0, fired = null;
  setInterval(function () {
    var el = document.getElementById("quiz-timer");
    if (!el || !el.dataset.remaining) return;
    if (el.dataset.stamp !== stamp) {
      stamp = el.dataset.stamp;
      deadline = Date.now() + Number(el.dataset.remaining) * 1000;
    }
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    var text = left > 0 ? "剩余 " + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s : "时间到";
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle("low", left <= 60);
    if (left === 0 && fired !== stamp) {
      fired = stamp;
      var up = document.getElementById("quiz-timeup");
      if (up) up.click();
    }
  }, 500);
})();
"""

HEAD = f"<style>{QUIZ_CSS}</style><script>{QUIZ_SCRIPT}</script>"
KEYS_HELP = (
    "键盘：1–6 或 A–F 选择选项（判断题 1/A 为正确，2/B 为错误），Enter 提交答案、进入下一题；填空题输入答案后按 Enter。"
)
