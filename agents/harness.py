"""Runs examples against a generated app, inside the sandbox. Started by agents.sandbox, never imported.

Reads a job as JSON on stdin and writes one JSON line per example to the
file descriptor named by the job, so that whatever the app prints cannot
garble the results.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback


class ExampleTimeout(BaseException):
    """A BaseException, so that the app's own isolation of failing components does not catch it."""


def guard(root: str, secrets: list[str] = (), readable: list[str] = ()) -> None:
    """From here on, refuse new processes, network connections, writes outside the sandbox, and reading secrets.

    Secrets are the folders named (the user's home, the model cache) except the parts of them in `readable`
    (an interpreter installed in a home folder), and other processes' entries in /proc (their environment).
    """
    root = os.path.realpath(root)
    secrets = [os.path.realpath(folder) for folder in secrets]
    readable = [root, *(os.path.realpath(folder) for folder in readable)]
    blocked = {"subprocess.Popen", "os.system", "os.fork", "os.forkpty", "os.posix_spawn", "os.exec", "os.spawn",
               "socket.connect", "socket.bind", "pty.spawn"}
    changes_files = {"os.remove", "os.rmdir", "os.rename", "os.replace", "shutil.rmtree", "os.truncate", "os.mkdir", "os.chmod", "os.chown"}

    def full(path) -> str | None:
        try:
            return os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return None

    def within(path: str, folder: str) -> bool:
        return path == folder or path.startswith(folder + os.sep)

    def outside(path) -> bool:
        path = full(path)
        return path is None or not within(path, root)

    def secret(path) -> bool:
        path = full(path)
        if path is None:
            return True
        process = path.split(os.sep)[2] if within(path, "/proc") and path.count(os.sep) >= 2 else ""
        if process.isdigit() and process != str(os.getpid()):
            return True
        return any(within(path, folder) for folder in secrets) and not any(within(path, folder) for folder in readable)

    def hook(event: str, args: tuple) -> None:
        if event in blocked:
            raise PermissionError(f"the sandbox does not allow {event}")
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            writing = any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            if writing and outside(args[0]):
                raise PermissionError(f"the sandbox does not allow writing to {os.fsdecode(args[0])}")
            if secret(args[0]):
                raise PermissionError(f"the sandbox does not allow reading {os.fsdecode(args[0])}")
        if event in changes_files and args and outside(args[0]):
            raise PermissionError(f"the sandbox does not allow {event} outside it")

    sys.addaudithook(hook)


def die_with_parent() -> None:
    """If what started this run is killed, end too. Set here, since becoming `nobody` cleared it."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def main() -> int:
    die_with_parent()
    job = json.loads(sys.stdin.read())
    results = os.fdopen(job["result_fd"], "w", buffering=1)
    sys.stdout = sys.stderr  # the app's prints go to the log, never into the results
    # The app first, then the folders its packages come from in shall's own environment, wherever that is.
    sys.path[:0] = [job["root"], *job.get("path", [])]
    guard(job["root"], job.get("secrets", []), job.get("readable", []))
    import importlib

    def on_alarm(signum, frame):
        raise ExampleTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    if "trials" in job:
        return trials(job, results)
    try:
        app = importlib.import_module("app")
        matching = importlib.import_module("app.matching")
    except BaseException as error:  # the app cannot even be imported: every example fails the same way
        for example in job["examples"]:
            problem = f"the app cannot be imported: {error!r}"
            results.write(json.dumps({"key": example["key"], "passed": False, "problems": [problem], "failures": {},
                                      "by_collection": {name: [problem] for name in example["then"]},
                                      "actual": None, "seconds": 0.0}) + "\n")
        return 0
    for example in job["examples"]:
        started = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, job["seconds_per_example"])
        try:
            outcome = app.run_detailed(example["given"])
            actual, failures = outcome.outputs, {name: text.strip().splitlines()[-1] for name, text in outcome.failures.items()}
            if example.get("keep") is not None:
                keep = set(example["keep"])
                actual = {name: records for name, records in actual.items() if name in keep}
                schemas = importlib.import_module("app.schemas")  # only an app shall built has one, and only it keeps
                writers = {component: set(writes) for component, _, writes in schemas.FLOW}
                failures = {c: text for c, text in failures.items() if writers.get(c, set()) & keep}
            by_collection = {name: matching.differences({name: wanted}, actual, ordered=example["ordered"])
                             for name, wanted in example["then"].items()}
            problems = [problem for found in by_collection.values() for problem in found]
        except ExampleTimeout:
            actual, failures = None, {}
            problems = [f"it took longer than {job['seconds_per_example']:g} s; the code may loop forever"]
            by_collection = {name: problems for name in example["then"]}
        except BaseException as error:  # SystemExit and KeyboardInterrupt from generated code count as failures too
            actual, failures, problems = None, {}, [f"the app stopped with {error!r}"]
            by_collection = {name: problems for name in example["then"]}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        results.write(json.dumps({
            "key": example["key"], "passed": not problems, "problems": problems, "by_collection": by_collection,
            "failures": failures, "actual": actual, "seconds": time.perf_counter() - started,
        }, default=str) + "\n")
    return 0


def trials(job: dict, results) -> int:
    """Run each candidate module on each input by itself, and write what it returned or how it failed."""
    import importlib

    runner = importlib.import_module("app.runner")
    for module_name in job["modules"]:
        timed_out = False
        try:
            module = importlib.import_module(f"app.components.{module_name}")
        except BaseException as error:
            module, broken = None, f"it cannot be imported: {error!r}"
        for trial in job["trials"]:
            started = time.perf_counter()
            output, error = None, None
            if module is None:
                error = broken
            elif timed_out:
                error = "skipped: it ran too long on an earlier input"
            else:
                signal.setitimer(signal.ITIMER_REAL, job["seconds_per_example"])
                try:
                    arguments = {name: runner.to_python(name, records) for name, records in trial["inputs"].items()}
                    answer = module.run(**runner._arguments(module.run, arguments))
                    if not isinstance(answer, list) or not all(isinstance(r, dict) for r in answer):
                        raise TypeError(f"run() should return a list of records (dicts), got {type(answer).__name__}")
                    output = runner.to_plain(answer)
                except ExampleTimeout:
                    timed_out, error = True, f"it took longer than {job['seconds_per_example']:g} s"
                except BaseException as failure:
                    error = "".join(traceback.format_exception_only(type(failure), failure)).strip()
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            results.write(json.dumps({"module": module_name, "key": trial["key"], "output": output, "error": error,
                                      "seconds": time.perf_counter() - started}, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
