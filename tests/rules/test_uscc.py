"""USCC check character (GB 32100-2015) against real published codes and hand-worked cases."""

from __future__ import annotations

import pytest

from dashboard.rules.uscc import check_char, is_valid, normalize, problem

# Real codes as published by the firms themselves (business licences shown on their websites).
REAL = [
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
    "91110000710926094P",  # 中国石油化工股份有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code: str) -> None:
    assert is_valid(code)


@pytest.mark.parametrize("code", REAL)
def test_any_single_changed_character_is_caught(code: str) -> None:
    for i in range(18):
        for replacement in "0A":
            if code[i] != replacement:
                assert not is_valid(code[:i] + replacement + code[i + 1 :])


def test_a_hand_worked_check_character() -> None:
    # Body 91370126MA00000001 → digits 9,1,3,7,0,1,2,6,M=21,A=10,0,... weights 1,3,9,27,19,26,16,17,20,29,25,...
    # 9*1 + 1*3 + 3*9 + 7*27 + 0*19 + 1*26 + 2*16 + 6*17 + 21*20 + 10*29 + 0 + ... + 0*10 + 0*30 + 1*28
    # = 9 + 3 + 27 + 189 + 0 + 26 + 32 + 102 + 420 + 290 + 28 = 1126; 1126 mod 31 = 10; 31 - 10 = 21 → 'M'
    assert check_char("91370126MA0000001") == "M"
    assert is_valid("91370126MA0000001M")


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("91370126MA0000001", "length"),
        ("91370126MA0000001MX", "length"),
        ("91370126IA0000001M", "charset"),
        ("91370126MA0000001A", "check"),
    ],
)
def test_problems_are_named(raw: str, why: str) -> None:
    assert problem(raw) == why


def test_normalize_folds_full_width_spaces_and_case() -> None:
    assert normalize(" ９１４４０３００７１５２６７２６ｘｇ\u3000") == "9144030071526726XG"
    assert normalize(None) == ""
