"""A cold build's parse shared with forked workers: files claimed one by one, results streamed back.

Why not a fixed share each: how long a file takes depends on its size and on its markup (a plain
paragraph parses in a fraction of the time of a table or a list), and the main process has work
of its own, unpickling what the workers send. The fixed split this replaced left one side idle:
plain prose stayed in the main process (carrying an issue back was thought to cost as much as
parsing it; measured, unpickling costs 7-10 % of the parse), so bench/generate.py's archive was
parsed by one process alone (0.55 s) and one of short plain issues mostly so (0.17 s against the
worker's 0.05 s); on the other 1000-issue archive the sides ended up to 0.08 s apart, and the
worker's whole result (22 MB) was pickled, sent and unpickled only after both had finished. Here every process takes the next file
from a shared counter (largest first, so that the last claims are short), and a worker sends
what it parsed every few files through a pipe enlarged to 1 MB, which the main process empties
between its own files: the unpickling is spread over the parse, and both sides finish within
about one file of each other.

Forked, so the workers start with the files and the settings in their memory (nothing is sent
to them) and only where fork is safe (the caller checks: liandong.forked.fork_helps). A worker that dies
(SIGKILL, the OOM killer) costs nothing but time: the files it claimed and never sent back are
parsed here. An exception in a worker (a bug: bad input gives problems, not exceptions) is raised
here, as it would be in a serial build; one that cannot be rebuilt here from its pickle counts as
the worker's death, and its files parsed here raise it again if it was no accident.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import pickle
from multiprocessing.connection import Connection, wait
from typing import Any, Callable

from liandong.forked import settle_copy

SEND_EVERY = 8  # files per message: enough to keep the pipe's traffic low, few enough to stream
PIPE_SIZE = 1 << 20  # bytes: Linux's pipe-max-size for unprivileged processes (the default is 64 kB)

GONE = object()  # what take() makes of a worker it can no longer hear
Item = Any  # one file to parse: (path, data, digest)
Result = Any  # what parsing it gives: (Issue | None, problems)


def parse_shared(items: list[Item], make_parse: Callable[[], Callable[[Item], Result]], workers: int) -> list[Result]:
    """Every item parsed on ``workers`` forked processes and this one; the results in item order.

    ``make_parse()`` gives the function that parses one item (each process makes its own, once)."""
    order = sorted(range(len(items)), key=lambda index: -len(items[index][1]))
    context = multiprocessing.get_context("fork")
    counter = context.Value("l", 0)
    results: dict[int, Result] = {}
    receivers: dict[Connection, Any] = {}
    try:
        for number in range(workers):
            receiver, sender = context.Pipe(duplex=False)
            enlarge(sender)
            process = context.Process(target=_work, args=(items, order, make_parse, counter, sender, os.getpid()),
                                      daemon=True, name=f"liandong-parse-{number + 1}")
            process.start()
            sender.close()
            receivers[receiver] = process
        parse = make_parse()
        while (position := claim(counter)) < len(order):
            results[order[position]] = parse(items[order[position]])
            take(wait(list(receivers), timeout=0), receivers, results)
        while receivers:
            take(wait(list(receivers)), receivers, results)
    finally:
        for receiver, process in receivers.items():  # only after a failure here (Ctrl-C) or in a worker
            receiver.close()
            process.terminate()
            process.join()
    missing = [index for index in range(len(items)) if index not in results]  # a worker died with them
    if missing:
        parse = make_parse()
        results.update((index, parse(items[index])) for index in missing)
    return [results[index] for index in range(len(items))]


def claim(counter) -> int:
    """The next position in the claiming order (past the end once every file is taken)."""
    with counter.get_lock():
        position = counter.value
        counter.value = position + 1
    return position


def take(ready: list, receivers: dict[Connection, Any], results: dict[int, Result]) -> None:
    """Unpickle what the ready workers sent; a worker that said it is done (or died) is joined."""
    for receiver in ready:
        try:
            message = pickle.loads(receiver.recv_bytes())
        except Exception:  # noqa: BLE001 — died (EOFError), or sent what cannot be rebuilt here (an exception
            message = GONE  # class whose __init__ wants other arguments): its unsent files are parsed here
        if isinstance(message, list):
            results.update(message)
            continue
        process = receivers.pop(receiver)
        receiver.close()
        if message is GONE:
            process.terminate()  # dead already, or alive with nobody left to hear it
        process.join()
        if isinstance(message, BaseException):
            raise message


def enlarge(connection: Connection) -> None:
    """Let the pipe hold 1 MB, so a worker is seldom blocked while this process parses a file."""
    try:
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (AttributeError, OSError):  # not Linux, or a lower limit: a smaller pipe only makes the worker wait more
        pass


def _work(items: list[Item], order: list[int], make_parse: Callable, counter, sender: Connection, parent: int) -> None:
    """In a worker: claim, parse and send until every file is taken; then None (done), or the error.

    SIGTERM ends it (parse_shared's cleanup), see liandong.forked.settle_copy."""
    settle_copy(parent)
    batch: list[tuple[int, Result]] = []
    try:
        parse = make_parse()
        while (position := claim(counter)) < len(order):
            index = order[position]
            batch.append((index, parse(items[index])))
            if len(batch) >= SEND_EVERY:
                sender.send_bytes(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
                batch = []
        if batch:
            sender.send_bytes(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
        final: BaseException | None = None
    except Exception as error:  # noqa: BLE001 — raised in the main process
        final = error
    try:
        sender.send_bytes(pickle.dumps(final, pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 — an error that cannot be pickled
        sender.send_bytes(pickle.dumps(RuntimeError(repr(final)), pickle.HIGHEST_PROTOCOL))
    sender.close()
