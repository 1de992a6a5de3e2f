from pathlib import Path

import pytest

from liandong.config import load_config
from liandong.errors import LiandongError


def write_config(site: Path, text: str) -> None:
    (site / "site.yaml").write_text(text, encoding="utf-8")


def config_errors(site: Path) -> str:
    with pytest.raises(LiandongError) as info:
        load_config(site)
    return info.value.format_message()


def test_load_config_reads_sample(site):
    config = load_config(site)
    assert config.title == "联络动态"
    assert config.contact.phone == "0731-85309319"
    assert config.base_url == "https://example.org/liandong/"
    assert config.distribution["送"][0] == "全国人大常委会代表工作委员会"
    assert config.copies is None


def test_load_config_reports_unknown_key_with_line(site):
    text = (site / "site.yaml").read_text(encoding="utf-8")
    write_config(site, text + "colour: red\n")
    line = text.count("\n") + 1
    message = config_errors(site)
    assert f"site.yaml:{line}:" in message and "未知的键“colour”" in message


def test_load_config_reports_wrong_type_with_line(site):
    text = (site / "site.yaml").read_text(encoding="utf-8").replace("title: 联络动态", "title: [1, 2]")
    write_config(site, text)
    message = config_errors(site)
    assert "site.yaml:2:" in message and "“title”（简报名称" in message and "应为非空文本" in message


def test_load_config_reports_missing_required_keys(site):
    text = (site / "site.yaml").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith(("approval", "publisher")))
    write_config(site, text)
    message = config_errors(site)
    assert "缺少必填项“approval”（批准文号）" in message
    assert "缺少必填项“publisher”" in message


def test_load_config_reports_bad_yaml_line(site):
    write_config(site, "title: 联络动态\npublisher: [未闭合\neditor: 汤建\n")
    message = config_errors(site)
    assert "site.yaml:" in message and "YAML 格式错误" in message


def test_load_config_checks_nested_and_distribution_groups(site):
    text = (site / "site.yaml").read_text(encoding="utf-8")
    text = text.replace("  送:\n", "  抄送:\n").replace("  email: hnrdlgwxrc@163.com", "  mail: x")
    write_config(site, text)
    message = config_errors(site)
    assert "分组“抄送”无效" in message
    assert "未知的键“mail”" in message and "缺少必填项“email”" in message


def test_load_config_rejects_duplicate_keys(site):
    text = (site / "site.yaml").read_text(encoding="utf-8")
    write_config(site, text + "title: 又一个\n")
    assert "键“title”重复出现" in config_errors(site)


def test_load_config_missing_file(tmp_path):
    assert "找不到站点配置文件 site.yaml" in config_errors(tmp_path)
