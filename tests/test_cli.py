"""The command line as an editor meets it: Chinese help and errors, exit codes, no tracebacks."""

from liandong import __version__

from conftest import run_cli


def test_build_succeeds_with_exit_0(site):
    result = run_cli("build", "--site", str(site), cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("共 4 期、20 个页面、6 个 PDF：写入 ")
    assert (site / "build/2025/12/index.html").is_file()


def test_build_to_custom_out_dir(site, tmp_path):
    result = run_cli("build", "--out", str(tmp_path / "public"), cwd=site)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "public/index.html").is_file()


def test_help_and_version_are_chinese(site):
    result = run_cli("--help", cwd=site)
    assert result.returncode == 0 and "用法：" in result.stdout and "命令：" in result.stdout and "生成整个站点" in result.stdout
    build_help = run_cli("build", "--help", cwd=site).stdout
    assert "站点目录" in build_help and "显示此帮助并退出" in build_help
    assert run_cli("--version", cwd=site).stdout.strip() == f"liandong {__version__}"


def test_usage_error_exits_2_in_chinese(site):
    result = run_cli("build", "--bogus", cwd=site)
    assert result.returncode == 2
    assert "错误：没有“--bogus”这个选项" in result.stderr


def test_content_error_exits_1_with_file_line_and_no_traceback(site):
    path = site / "content/2025/12.md"
    path.write_text(path.read_text(encoding="utf-8").replace("total: 739", "total: -3"), encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "content/2025/12.md:4: 错误：“total”（总期号）应为正整数" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_bad_yaml_exits_1_with_line(site):
    (site / "site.yaml").write_text("title: 联络动态\n  publisher: 错误缩进\n", encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "site.yaml:2:" in result.stderr and "YAML 格式错误" in result.stderr
    assert "Traceback" not in result.stderr


def test_warnings_go_to_stderr_and_build_succeeds(site):
    path = site / "content/2025/15.md"
    path.write_text((site / "content/2025/13.md").read_text(encoding="utf-8")
                    .replace("issue: 13", "issue: 15").replace("total: 740", "total: 742")
                    .replace("2025-08-08", "2025-09-08"), encoding="utf-8")
    result = run_cli("build", cwd=site)
    assert result.returncode == 0
    assert "警告：2025年期号不连续，缺少第 14 期" in result.stderr
