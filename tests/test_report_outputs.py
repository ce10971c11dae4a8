"""Where consolidate puts its three files: -o DIR, -o FILE.xlsx, names from campaign.toml."""

from __future__ import annotations

from pathlib import Path

from report_fixtures import BEIAN, CONFIG, INBOX, SUMMARY, WORKPAPER, consolidate


def test_dir_gets_all_three_and_the_terminal_says_which_goes_up(tmp_path: Path):
    result = consolidate(INBOX, tmp_path / "新文件夹")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "新文件夹"
    assert sorted(p.name for p in folder.iterdir()) == sorted([BEIAN, WORKPAPER, SUMMARY])
    assert f"备案工作簿（报教育党工委）：{folder / BEIAN}（通过校验）" in result.stdout
    assert f"工作底稿（办公室留存）：{folder / WORKPAPER}" in result.stdout
    assert f"总结初稿：{folder / SUMMARY}" in result.stdout


def test_file_names_the_beian_and_the_others_go_beside_it(tmp_path: Path):
    result = consolidate(INBOX, tmp_path / "上报" / "备案2017.xlsx")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "上报").iterdir())
    assert names == sorted(["备案2017.xlsx", WORKPAPER, SUMMARY])


def config_with(tmp_path: Path, lines: str) -> Path:
    text = CONFIG.read_text(encoding="utf-8").split("\n[report]")[0]
    path = tmp_path / "campaign.toml"
    path.write_text(text + "\n[report]\n" + lines, encoding="utf-8")
    (tmp_path / "roster.xlsx").write_bytes((CONFIG.parent / "roster.xlsx").read_bytes())
    return path


def test_names_come_from_the_config(tmp_path: Path):
    config = config_with(tmp_path, 'filing = "{year}备案-{organisation}.xlsx"\n'
                                   'summary = "总结{year}.docx"\n')
    result = consolidate(INBOX, tmp_path / "out", config)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(["2017备案-徐汇区教师进修学院党总支.xlsx", WORKPAPER, "总结2017.docx"])


def test_a_bad_name_is_a_config_error_naming_the_key(tmp_path: Path):
    config = config_with(tmp_path, 'summary = "子目录/总结.xlsx"\n')
    result = consolidate(INBOX, tmp_path / "out", config)
    assert result.exit_code == 2
    assert "配置错误：配置项 report.summary" in result.stderr and ".docx" in result.stderr
    assert not (tmp_path / "out").exists()
