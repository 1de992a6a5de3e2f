import datetime as dt

import pytest

from liandong.chinese import chinese_date, chinese_numeral, curly_quotes, spaced_name


@pytest.mark.parametrize("number, text", [
    (1, "一"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (21, "二十一"), (100, "一百"),
    (101, "一百零一"), (110, "一百一十"), (111, "一百一十一"), (739, "七百三十九"), (1000, "一千"),
    (1005, "一千零五"), (1010, "一千零一十"), (1100, "一千一百"), (10000, "一万"), (10001, "一万零一"),
    (10010, "一万零一十"), (20500, "二万零五百"), (100000, "十万"), (110000, "十一万"),
    (100010000, "一亿零一万"), (0, "零"),
])
def test_chinese_numeral_masthead_forms(number, text):
    assert chinese_numeral(number) == text


def test_chinese_numeral_rejects_negative():
    with pytest.raises(ValueError):
        chinese_numeral(-1)


@pytest.mark.parametrize("day, text", [
    (dt.date(2025, 7, 28), "2025年7月28日"), (dt.date(2025, 1, 5), "2025年1月5日"),
    (dt.date(2024, 12, 31), "2024年12月31日"),
])
def test_chinese_date_has_no_zero_padding(day, text):
    assert chinese_date(day) == text


def test_spaced_name_only_for_two_character_names():
    assert spaced_name("汤建") == "汤\u3000建"
    assert spaced_name("欧阳明") == "欧阳明"
    assert spaced_name("AB") == "AB"


def test_curly_quotes_between_chinese_letters():
    text, *_ = curly_quotes('畅通"全链条"履职 说\'好\'')
    assert text == "畅通“全链条”履职 说‘好’"


def test_curly_quotes_keeps_english_apostrophes():
    text, *_ = curly_quotes("don't stop")
    assert text == "don't stop"
