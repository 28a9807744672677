"""A long scripted session in the real app, started as ``python tests/desktop/long_session.py WORKDIR``.

Runs ``desktop.__main__.main()`` as a user's launch does (qasync loop, the real
shutdown path), and drives the window from a coroutine on that loop: a queue of
photos coloured, three trainings with Stop and Resume, a model comparison, a
rename, then Quit while a fourth training runs. The process must exit 0, with
nothing on stderr, every time (tests/desktop/test_shutdown.py runs it repeatedly).

WORKDIR holds ``photos/`` (greyscale), ``colour/`` (colour photos to train on) and
``library/`` (a small model); settings and runs live under it too.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

STEP_TIMEOUT = 240.0


async def until(condition, timeout: float = STEP_TIMEOUT, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise TimeoutError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


async def train(page, *, stop_after: int | None = None, resume: bool = False) -> object:
    ended: list = []
    page.training_ended.connect(ended.append)
    stop = None
    if stop_after is not None:
        def stop(step: int) -> None:
            if step >= stop_after:
                page.stop()
        page.stepped.connect(stop)
    assert (page.resume() if resume else page.start()), page.state_label.text()
    await until(lambda: ended, what="the training to end")
    if stop is not None:
        page.stepped.disconnect(stop)
    page.training_ended.disconnect(ended.append)
    return ended[0]


async def session(window, work: Path) -> None:
    from PySide6.QtWidgets import QMessageBox

    from engine.events import TrainingCancelled, TrainingFinished

    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)  # "Stop and quit?": yes
    window.ask_unsaved_work = lambda keys: "discard"  # strengths dragged and not saved: quit without saving
    colourise = window.colourise_page
    assert colourise.select_model("alpha-test")  # the tiny model (not the bundled default): quick on a busy CPU
    colourise.add_paths(sorted((work / "photos").iterdir()))
    await until(lambda: len(colourise.queue.keys()) == 6 and not colourise.is_busy(), what="the queue to be coloured")
    # An hour's worth of small changes: photos selected, strength dragged, tabs switched.
    keys = colourise.queue.keys()
    for turn in range(1500):
        colourise.queue.select(keys[turn % len(keys)])
        colourise.strength.setValue(50 + turn % 100)
        if turn % 100 == 0:
            window.show_tab(("Train", "Models", "Colourise")[turn // 100 % 3])
            await asyncio.sleep(0)
    window.show_tab("Colourise")
    await until(lambda: not colourise.is_busy(), what="the last strength change")

    window.show_tab("Train")
    page = window.train_page
    page.arch_box.setCurrentIndex(page.arch_box.findData("alpha"))
    page.data_picker.edit.setText(str(work / "colour"))
    for name, value in (("epochs", 4), ("batch_size", 2), ("image_size", 16)):
        page.field(name).set_value(value)
    for run in range(3):
        page.name_edit.setText(f"session-{run}")
        # Stop at the first step the page hears of. A tiny run on an idle machine may
        # finish before the Stop lands: then there is nothing to resume, and that is fine.
        ended = await train(page, stop_after=1)
        assert isinstance(ended, (TrainingCancelled, TrainingFinished)), ended
        if isinstance(ended, TrainingCancelled):
            finished = await train(page, resume=True)
            assert isinstance(finished, TrainingFinished), finished

    window.show_tab("Models")
    models = window.models_page
    models.set_checked(models.names())
    colourise.queue.select(colourise.queue.keys()[0])
    done: list = []
    models.compared.connect(done.append)
    models.compare_checked()
    await until(lambda: done, what="the comparison")
    assert models.rename_model("session-0", "session-zero")

    window.show_tab("Train")
    page.field("epochs").set_value(1000)
    page.name_edit.setText("left-running")
    page.start()
    await until(lambda: page.plot.train.count > 2, what="the last training to step")
    window.close()  # asks, stops the training, then closes


def main() -> int:
    work = Path(sys.argv[1])
    sys.argv[1:] = []

    from desktop import __main__ as app
    from desktop import main_window

    original_warm_up = main_window.MainWindow.warm_up

    def warm_up_then_drive(window) -> None:
        original_warm_up(window)
        task = asyncio.ensure_future(session(window, work))

        def report(finished: asyncio.Future) -> None:
            if finished.exception() is not None:
                print(f"session failed: {finished.exception()!r}", file=sys.stderr, flush=True)
                window.close()

        task.add_done_callback(report)
        window._scripted_session = task  # keep it referenced

    main_window.MainWindow.warm_up = warm_up_then_drive
    status = app.main([])
    print(f"session finished with {status}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
