"""The local LLM's build (`make llm`): llama.cpp gets the vector instructions the
processor lists, never AMX (listed here, but not enabled by the system: illegal
instruction), and is built on the machine rather than taken from pip's cache."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def cmake_args(flags: str, target: str = "llm") -> dict[str, str]:
    """The GGML options `make -n` would build llama-cpp-python with, for a processor
    listing ``flags`` (as /proc/cpuinfo's ``flags`` line does)."""
    out = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), target, f"CPU_FLAGS={flags}", "VENV=/nonexistent-venv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in out.splitlines() if "CMAKE_ARGS=" in line]
    assert len(lines) == 1, out
    assert "--no-cache-dir" in lines[0] and "llama-cpp-python==" in lines[0]
    return dict(re.findall(r"-DGGML_(\w+)=(ON|OFF)", lines[0]))


def test_a_processor_with_avx512_vnni_gets_it_and_never_amx() -> None:
    flags = "fpu sse4_2 avx avx2 bmi2 fma f16c avx512f avx512vbmi avx512_vnni avx_vnni avx512_bf16 amx_tile amx_int8"
    args = cmake_args(flags)
    assert args["NATIVE"] == "OFF"
    for option in (
        "AVX",
        "AVX2",
        "FMA",
        "F16C",
        "AVX_VNNI",
        "AVX512",
        "AVX512_VBMI",
        "AVX512_VNNI",
        "AVX512_BF16",
    ):
        assert args[option] == "ON", option
    assert args["AMX_TILE"] == args["AMX_INT8"] == args["AMX_BF16"] == "OFF"


@pytest.mark.parametrize("target", ["llm", "llm-small"])
def test_a_processor_without_them_gets_none_of_them(target: str) -> None:
    args = cmake_args("fpu sse4_2 avx f16c", target)  # an older processor: no AVX2, no FMA
    assert args["AVX"] == args["F16C"] == "ON"
    for option in ("AVX2", "FMA", "AVX_VNNI", "AVX512", "AVX512_VNNI", "AMX_INT8"):
        assert args[option] == "OFF", option


def test_a_flag_is_matched_whole_not_as_part_of_another() -> None:
    # "avx512_vnni" alone must not turn on AVX-VNNI, nor "avx512f" plain AVX
    args = cmake_args("avx512f avx512_vnni")
    assert args["AVX_VNNI"] == "OFF" and args["AVX"] == "OFF" and args["AVX512_VNNI"] == "ON"
