"""The page: a compact header (who is signed in, 修改密码, 退出登录) over the registered tabs."""

from __future__ import annotations

import html

import gradio as gr

from .auth import Auth
from .tabs import TabContext, everyone, registered


def header_html(user=None) -> str:
    who = ""
    if user is not None:
        who = f"{html.escape(user.name)} · {html.escape(user.unit)} · {html.escape(user.role_name)}"
    return (
        '<div class="topbar"><span class="brand">执法学习助手</span>'
        f'<span class="who" id="whoami">{who}</span><span class="spacer"></span>'
        '<a class="link" href="/password" id="change-password">修改密码</a>'
        '<form method="post" action="/logout"><button type="submit" id="logout">退出登录</button></form></div>'
    )


def build_ui(bot) -> gr.Blocks:
    auth = Auth(bot)
    with gr.Blocks(title="执法学习助手", analytics_enabled=False) as demo:
        header = gr.HTML(header_html(), elem_id="header", padding=False)
        gr.HTML('<div id="notice-slot"></div>', elem_id="notice-slot-wrap", padding=False, container=False)
        restricted = []  # tabs not everyone sees: hidden until the page knows who opened it
        with gr.Tabs(elem_id="tabs"):
            for spec in registered():
                shown = spec.shown_to is everyone
                with gr.Tab(spec.label, id=spec.id, visible=shown, elem_id=f"tab-{spec.id}") as tab:
                    spec.build(TabContext(bot, auth, demo, tab))
                if not shown:
                    restricted.append((spec, tab))

        def on_load(request: gr.Request):
            user = auth.require(request)
            return [header_html(user)] + [gr.update(visible=spec.shown_to(user)) for spec, _ in restricted]

        demo.load(on_load, None, [header] + [tab for _, tab in restricted], api_visibility="private")
    return demo
