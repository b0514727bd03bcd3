"""`errors.held_interrupts`: Ctrl-C held over one whole write (a folder and its record) — said at once,
delivered when the write ends (by an error too), and a second Ctrl-C delivered at once, so a write
retried for minutes never holds the user (review 131 M1, L2)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from vertice_obs.errors import held_each, held_interrupts


def test_the_first_ctrl_c_is_said_at_once_and_delivered_when_the_write_ends(capsys):
    done = []
    with pytest.raises(KeyboardInterrupt):
        with held_interrupts("finishing folder 'Samples' and its record"):
            os.kill(os.getpid(), signal.SIGINT)
            done.append("record")  # the write goes on to its end
    assert done == ["record"]
    assert capsys.readouterr().err == ("vobs: finishing folder 'Samples' and its record — stopping once it is done "
                                       "(Ctrl-C again to stop now)\n")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_a_second_ctrl_c_is_delivered_at_once():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with held_interrupts("finishing a write"):
            os.kill(os.getpid(), signal.SIGINT)
            done.append("first held")
            os.kill(os.getpid(), signal.SIGINT)
            done.append("never")  # the second stops it here
    assert done == ["first held"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_held_ctrl_c_is_not_lost_when_the_write_raises():
    with pytest.raises(KeyboardInterrupt) as caught:
        with held_interrupts():
            os.kill(os.getpid(), signal.SIGINT)
            raise ValueError("the write failed")
    assert isinstance(caught.value.__context__, ValueError)


def test_held_each_says_each_item_and_delivers_between_two(capsys):
    seen = []
    with pytest.raises(KeyboardInterrupt):
        for item in held_each(["a", "b", "c"], lambda x: f"finishing {x}"):
            seen.append(item)
            if item == "b":
                os.kill(os.getpid(), signal.SIGINT)
    assert seen == ["a", "b"] and "vobs: finishing b — stopping" in capsys.readouterr().err


def test_a_held_sigterm_with_the_default_handler_ends_the_process_when_the_write_ends():
    code = ("import os, signal; from vertice_obs.errors import held_interrupts\n"
            "with held_interrupts('w'):\n    os.kill(os.getpid(), signal.SIGTERM)\n    print('write done', flush=True)\n"
            "print('never')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGTERM and done.stdout == "write done\n", done
