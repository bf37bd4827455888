"""Start the officers' web page: build the service and the UI from bot/, then serve it."""

from __future__ import annotations

from bot.service import StudyBot
from bot.settings import Settings
from bot.ui import build_ui, launch


def main() -> None:
    bot = StudyBot(Settings.from_env())
    bot.warm_up()  # load the model and the index now, so the first officer does not wait
    launch(build_ui(bot), bot.settings)


if __name__ == "__main__":
    main()
