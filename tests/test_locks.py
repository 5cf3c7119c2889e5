"""Tests for helpers.utils.locks: a second holder waits for the first."""

from __future__ import annotations

import threading
import time

from helpers.utils import locks


def test_second_holder_waits_for_the_first(tmp_path):
    lock = tmp_path / "sub" / ".x.lock"
    events: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with locks.exclusive(lock):
            events.append("first in")
            first_in.set()
            time.sleep(0.3)
            events.append("first out")

    def second() -> None:
        first_in.wait(10)
        with locks.exclusive(lock) as path:
            events.append("second in")
            assert path == lock

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert events == ["first in", "first out", "second in"]
    assert lock.exists()  # the folder was made


def test_released_after_an_error(tmp_path):
    lock = tmp_path / ".y.lock"
    try:
        with locks.exclusive(lock):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    done = threading.Event()

    def again() -> None:
        with locks.exclusive(lock):
            done.set()

    t = threading.Thread(target=again)
    t.start()
    t.join(timeout=10)
    assert done.is_set()
