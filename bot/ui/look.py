"""How the page looks and speaks: CSS, the Chinese-everywhere script, Gradio's missing Chinese texts.

Gradio's frontend picks its language from `navigator.language` when it starts (svelte-i18n's
getLocaleFromNavigator, js/core/src/i18n.ts), and a few texts are English in its code whatever
the language (toast titles "Warning"/"Error", "Connection to the server was lost…", some
tooltips). LOCALE_SCRIPT is put at the top of the page's <head> by the web host (before Gradio's
own scripts run), so Gradio starts in zh-CN whatever the browser reports; it then translates the
hard-coded texts as they appear, and sends a signed-out page to the sign-in page.
"""

from __future__ import annotations

import json
import re

import gradio as gr

from .auth import SIGN_IN_AGAIN

# Keys Gradio's own zh-CN file lacks (they would fall back to English).
MISSING_ZH = {
    "3D_model.3d_model": "3D 模型",
    "3D_model.drop_to_upload": "将 3D 模型文件拖放到此处上传",
    "chatbot.copy_message": "复制消息",
    "chatbot.copied_message": "已复制",
    "chat_interface.new_chat": "新对话",
    "chat_interface.message_placeholder": "输入消息……",
    "chat_interface.additional_inputs": "更多输入",
    "chat_interface.chatbot": "对话",
    "chat_interface.conversation": "对话",
    "common.download_all": "全部下载",
    "common.runs": "运行记录",
    "common.runs_description": "查看保存在本浏览器中的运行记录",
    "common.back_to_app": "返回",
    "common.back_to_app_description": "返回应用",
    "common.record": "录制",
    "common.stop_recording": "停止录制",
    "common.screen_studio": "屏幕录制",
    "common.share_gradio_tab": "[分享] 标签页",
    "common.run": "运行",
    "dataframe.filter": "筛选",
    "dataframe.clear_filter": "清除筛选",
    # Announced to screen readers when an event ends (the status tracker's live region).
    "common.complete": "完成",
    "common.progress": "进度",
    "status.queue_position": "排队中：第 {position} 位，共 {size} 位",
}
I18N = gr.I18n(**{"zh-CN": MISSING_ZH})

# Texts in Gradio's code that no language file covers: exact text (trimmed) → Chinese.
HARD_CODED = {
    "Error": "出错",
    "Warning": "提示",
    "Info": "消息",
    "Success": "完成",
    "An error occurred.": "出现错误。",
    "Warning.": "提示。",
    "Info.": "消息。",
    "Success.": "完成。",
    "Connection to the server was lost. Attempting reconnection...": "与服务器的连接已断开，正在尝试重新连接……",
    "Connection re-established.": "已重新连接。",
    "Connection Lost": "连接已断开",
    "Close": "关闭",
    "Liked": "已赞",
    "Disliked": "已踩",
    "Copy": "复制",
    "Copied": "已复制",
    "Copy message": "复制消息",
    "Feedback": "反馈",
    "Clear": "清空",
    "Loading...": "加载中……",
    "Copy table data": "复制表格数据",
    "Dataframe": "数据表",
    "File upload": "上传文件",
    "Fullscreen": "全屏",
    "Exit fullscreen": "退出全屏",
    "Exit full screen": "退出全屏",
    "More tabs": "更多标签页",
    "Open cell menu": "打开单元格菜单",
    "Table actions": "表格操作",
    "chatbot conversation": "对话记录",
    "Textbox": "文本框",
    "Dropdown": "下拉列表",
    "Remove": "移除",
    "Download": "下载",
    "Upload": "上传",
    "Scroll down": "滚到底部",
    "Scroll to bottom": "滚到底部",
    "Share": "分享",
    "Retry": "重试",
    "Undo": "撤销",
    "Edit": "编辑",
    "Submit": "提交",
    "Cancel": "取消",
    "Select": "选择",
    "Search": "搜索",
    "Reset to default value": "恢复默认值",
    "Empty value": "（空）",
}
# Screen-reader labels Gradio builds from a message's raw HTML: a Chinese prefix and the text.
PREFIXED = {"bot's message: ": "回答：", "user's message: ": "提问："}
# Labels built around a number or a component's own label: (regular expression, replacement).
PATTERNS = [
    [r"^Select example (\d+): ", "选择示例 $1："],
    [r"^number input for (.*)$", "$1（输入数字）"],
    [r"^range slider for (.*)$", "$1（拖动选择）"],
]
# Texts with a link inside (the toast shows them as HTML): matched by their start.
HARD_CODED_HTML = {
    "Reconnected to server, but the server has changed.": '已重新连接，但服务器已重启，请<a href="">刷新页面</a>。',
    "Session not found": '会话已失效，请<a href="">刷新页面</a>后继续。',
}

LOCALE_SCRIPT = """<script>(function () {
  var LANG = "zh-CN";
  try {
    Object.defineProperty(Navigator.prototype, "language", { get: function () { return LANG; }, configurable: true });
    Object.defineProperty(Navigator.prototype, "languages",
                          { get: function () { return [LANG, "zh"]; }, configurable: true });
  } catch (e) {}
  var TEXT = %(text)s, HTML = %(html)s, ATTRS = ["aria-label", "title", "placeholder"];
  var SIGNED_OUT = %(signed_out)s, PREFIXED = %(prefixed)s, PATTERNS = %(patterns)s;
  function plain(html) { return new DOMParser().parseFromString(html, "text/html").body.textContent; }
  function translate(node) {
    if (node.nodeType === 3) {
      var t = node.data.trim();
      if (t && TEXT.hasOwnProperty(t)) node.data = node.data.replace(t, TEXT[t]);
      return;
    }
    if (node.nodeType !== 1) return;
    var all = [node].concat(Array.prototype.slice.call(node.querySelectorAll("*")));
    all.forEach(function (el) {
      ATTRS.forEach(function (a) {
        var v = el.getAttribute(a);
        if (!v) return;
        if (TEXT.hasOwnProperty(v.trim())) { el.setAttribute(a, TEXT[v.trim()]); return; }
        Object.keys(PREFIXED).forEach(function (p) {
          if (v.indexOf(p) === 0) el.setAttribute(a, PREFIXED[p] + plain(v.slice(p.length)).slice(0, 300));
        });
        PATTERNS.forEach(function (rule) {
          var re = new RegExp(rule[0]);
          if (re.test(v)) el.setAttribute(a, v.replace(re, rule[1]));
        });
      });
      if (el.classList && el.classList.contains("toast-message-text")) {
        var s = el.textContent.trim();
        Object.keys(HTML).forEach(function (k) { if (s.indexOf(k) === 0) el.innerHTML = HTML[k]; });
        // An event refused because the session ended: straight to the sign-in page.
        if (s.indexOf(SIGNED_OUT) >= 0) location.href = "/login?expired=1";
      }
      Array.prototype.forEach.call(el.childNodes, function (c) { if (c.nodeType === 3) translate(c); });
    });
  }
  function start() {
    translate(document.body);
    new MutationObserver(function (records) {
      dock();
      fit();
      records.forEach(function (r) {
        if (r.type === "characterData") translate(r.target);
        else if (r.type === "attributes") translate(r.target);
        else r.addedNodes.forEach(translate);
      });
    }).observe(document.body, { subtree: true, childList: true, characterData: true,
                                attributes: true, attributeFilter: ATTRS });
  }
  // The chat takes what the window has left: the question box ends at the window's bottom edge,
  // on any screen, with or without a notice showing.
  var fitting = false;
  function fit() {
    if (fitting) return;
    fitting = true;
    requestAnimationFrame(function () {
      fitting = false;
      var chat = document.getElementById("chatbot"), composer = document.getElementById("composer");
      if (!chat || !composer || !chat.offsetParent) return;
      var bottom = composer.getBoundingClientRect().bottom + window.scrollY;
      var height = Math.max(180, Math.floor(chat.offsetHeight + window.innerHeight - 10 - bottom));
      if (Math.abs(height - chat.offsetHeight) > 1) chat.style.setProperty("height", height + "px", "important");
    });
  }
  window.addEventListener("resize", fit);
  // Gradio's toasts float over the page; they are moved into a strip under the header (the chat
  // gives up its height), so a notice never covers a button.
  var watched = null;
  function dock() {
    var slot = document.getElementById("notice-slot"), wrap = document.querySelector(".toast-wrap");
    if (!slot || !wrap) return;
    if (wrap.parentNode !== slot) slot.appendChild(wrap);
    if (watched !== slot && window.ResizeObserver) {
      watched = slot;
      new ResizeObserver(function () {
        fit();
      }).observe(slot);
    }
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
  // A request refused because the session ended (signed out elsewhere, expired): to the sign-in page.
  var fetch0 = window.fetch;
  window.fetch = function () {
    return fetch0.apply(this, arguments).then(function (r) {
      if (r.status === 401 && new URL(r.url, location.href).origin === location.origin)
        location.href = "/login?expired=1";
      return r;
    });
  };
})();</script>""" % {
    "text": json.dumps(HARD_CODED, ensure_ascii=False),
    "html": json.dumps(HARD_CODED_HTML, ensure_ascii=False),
    "signed_out": json.dumps(SIGN_IN_AGAIN, ensure_ascii=False),
    "prefixed": json.dumps(PREFIXED, ensure_ascii=False),
    "patterns": json.dumps(PATTERNS, ensure_ascii=False),
}

# Rules for Gradio's own page frame, outside the app (Gradio scopes the `css=` rules to inside it).
PAGE_STYLE = """<style>
.gradio-container .main.app { padding-top: 4px !important; padding-bottom: 4px !important; }
@media (max-width: 640px) {
  .gradio-container .main.app { padding-left: 6px !important; padding-right: 6px !important; }
}
</style>"""

_HEAD = re.compile(rb"<head>", re.IGNORECASE)
_LANG = re.compile(rb'(<html[^>]*?\blang=")[^"]*(")', re.IGNORECASE | re.DOTALL)


def rewrite_page(body: bytes) -> bytes:
    """Gradio's page with the locale script first in <head> and the document marked as Chinese."""
    body = _LANG.sub(rb"\g<1>zh-CN\g<2>", body, count=1)
    return _HEAD.sub(lambda m: m.group(0) + (LOCALE_SCRIPT + PAGE_STYLE).encode("utf-8"), body, count=1)


CSS = """
footer { display: none !important; }
#header { margin: 0; }
#header .topbar { display: flex; align-items: center; gap: 10px; padding: 2px 2px 6px;
  border-bottom: 1px solid var(--border-color-primary); }
#header .brand { font-weight: 700; font-size: 1.15rem; color: var(--color-accent); white-space: nowrap; }
#header .who { flex: 1; min-width: 0; color: var(--body-text-color-subdued); white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
#header a.link, #header button { font-size: .9rem; color: var(--body-text-color); background: none; white-space: nowrap;
  border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 3px 10px; cursor: pointer;
  text-decoration: none; }
#header form { margin: 0; display: inline; }
/* Notices go in a strip under the header (the page's script moves Gradio's toasts there): they
   push the page down for a moment instead of covering a button. */
#notice-slot .toast-wrap { position: static !important; width: auto !important; max-width: none !important;
  align-items: stretch !important; margin: 4px 0; }
#notice-slot-wrap { margin: calc(-1 * var(--layout-gap)) 0 0 !important; padding: 0 !important;
  min-height: 0 !important; }
#notice-slot-wrap > div, #notice-slot-wrap .prose { min-height: 0 !important; padding: 0 !important;
  margin: 0 !important; }
#chatbot { height: calc(100dvh - 230px); min-height: 180px; }
#chatbot .answer p { margin: .35em 0; }
#chatbot .answer .conclusion { font-weight: 700; font-size: 1.05em; }
#chatbot mark.fact { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; font-weight: 600; }
#chatbot .answer .notice, #chatbot .answer .warning { color: var(--body-text-color-subdued); font-size: .92em; }
#chatbot .answer .cite-head { font-weight: 600; margin-top: .7em; }
#chatbot details.citation { margin: .25em 0; border-left: 3px solid #f59e0b; padding-left: .5em; }
#chatbot details.citation summary { cursor: pointer; }
#chatbot details.citation .doc-title { color: var(--body-text-color-subdued); font-size: .88em; margin-left: .4em; }
#chatbot .clause-context { margin: .4em 0 .6em; font-size: .95em; }
#chatbot .clause-context .doc { color: var(--body-text-color-subdued); font-size: .88em; }
#chatbot .clause-context .clause-head { font-weight: 600; margin-bottom: .1em; }
#chatbot .clause-context .neighbour { color: var(--body-text-color-subdued); opacity: .7; font-size: .9em; }
#chatbot .clause-context .cited { margin: .4em 0; }
#chatbot mark.quoted { background: #fef3c7; color: inherit; font-weight: 600; }
#chatbot .clause-context .units { color: var(--body-text-color-subdued); margin-top: .3em; }
#chatbot .pending { color: var(--body-text-color-subdued); }
#history-row { flex-wrap: nowrap; gap: 6px; }
#history-row > * { min-width: 0; }
.accounts-msg .ok-msg { color: #065f46; white-space: pre-line; }
.accounts-msg .warn-msg { color: #991b1b; white-space: pre-line; }
@media (max-width: 640px) {
  #header .brand { font-size: .95rem; }
  #header .topbar { gap: 6px; padding-bottom: 4px; }
  #header .who { font-size: .78rem; }
  #header a.link, #header button { padding: 2px 6px; font-size: .8rem; }
  #history-row button { padding: 4px 6px !important; font-size: .78rem !important; }
  .tab-wrapper button, [role="tab"] { padding: 4px 10px !important; }
}
"""
