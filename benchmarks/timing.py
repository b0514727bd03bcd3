"""What the benchmarks share: the timer process each side's run is spawned by.

`TIMER` spawns the command, waits for it, and writes "<seconds> <peak RSS KiB> <exit code>" to
argv[1]. A small process of its own: a child's peak RSS (wait4's ru_maxrss) starts at its
parent's when it is spawned, so spawning from a benchmark's own, growing, process would
overstate it. Run it as `python -I -S -c TIMER <result file> <program> <args…>`.
"""

TIMER = ("import os, sys, time\n"
         "start = time.perf_counter()\n"
         "pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)\n"
         "_, status, usage = os.wait4(pid, 0)\n"
         "seconds = time.perf_counter() - start\n"
         "open(sys.argv[1], 'w').write(f'{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}')\n")


def compile_vobs(repo) -> None:
    """Write vobs' bytecode before anything is timed, as `pip install` leaves an installed package —
    and as the peers' libraries, installed by pip, already have theirs. In a fresh clone (or under
    PYTHONDONTWRITEBYTECODE, as on the machine the README's figures come from) vobs would otherwise
    compile its own modules on every timed run: ~0.03 s of `vobs --help`, more of a whole command."""
    import compileall

    compileall.compile_dir(str(repo / "vertice_obs"), quiet=1)
