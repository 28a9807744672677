"""Cyclic garbage, Qt objects included, is freed on the UI thread even when a worker allocates."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QMenu

from desktop.ui_thread_gc import UiThreadCollector, generation_to_collect


def test_each_tick_collects_the_young_generation_and_the_older_ones_as_often_as_python():
    thresholds = (700, 10, 10)
    assert generation_to_collect((5, 3, 2), thresholds) == 0  # however few allocations are left
    assert generation_to_collect((5, 11, 2), thresholds) == 1
    assert generation_to_collect((5, 11, 11), thresholds) == 2
    assert generation_to_collect((5, 3, 11), thresholds) == 0
    assert generation_to_collect((5, 11, 11), (700, 0, 10)) == 0  # a threshold of 0 keeps it young


def test_a_dropped_menu_in_a_cycle_is_freed_on_the_ui_thread_not_by_a_worker_that_allocates(qtbot, cycles_collected_on_the_ui_thread):
    freed_on: list[str] = []
    menu = QMenu()
    menu.addAction("Open")
    menu.itself = menu  # a cycle: only the cycle collector can free it
    weakref.finalize(menu, lambda: freed_on.append(threading.current_thread().name))
    del menu

    def allocate_like_a_worker():
        # Far past the young generation's threshold: left to Python, this thread would collect.
        junk = [[index] for index in range(50 * gc.get_threshold()[0])]
        del junk

    worker = threading.Thread(target=allocate_like_a_worker, name="worker")
    worker.start()
    worker.join()
    assert freed_on == []  # the worker did not collect it
    qtbot.waitUntil(lambda: freed_on != [])
    assert freed_on == [threading.main_thread().name]


def test_stopping_collects_what_is_left_and_gives_collection_back(qapp):
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        collector = UiThreadCollector(qapp)
        assert not gc.isenabled()
        freed = []
        holder = _Cyclic()
        weakref.finalize(holder, lambda: freed.append(True))
        del holder
        collector.stop()
        collector.setParent(None)
        assert freed == [True]
        assert gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()


class _Cyclic:
    def __init__(self):
        self.itself = self


def test_every_launch_installs_one_collector_on_the_application(qapp, cycles_collected_on_the_ui_thread):
    from desktop.__main__ import make_application

    installed = cycles_collected_on_the_ui_thread
    installed.setParent(None)  # as a launch finds the application: without one
    try:
        app, collector = make_application()
        assert app is qapp
        assert app.findChildren(UiThreadCollector) == [collector]
        assert not gc.isenabled()
        assert make_application()[1] is collector  # a second call reuses it: never two timers
        collector.stop()
        collector.setParent(None)
    finally:
        installed.setParent(qapp)
