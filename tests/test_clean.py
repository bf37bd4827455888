import opencc
import pytest

from bot.clean import clean_text, normalise_query, remove_pinyin, to_simplified
from tests.conftest import SEED


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("的(de)", "的"),
        ("人(rén)民", "人民"),
        ("時(shí)間", "時間"),
        ("分(fēn)類", "分類"),
        ("行(xíng zhèng)政", "行政"),
        ("的（de）", "的"),
        ("学(xue2)习", "学习"),
        ("計劃(2023—2025年)", "計劃(2023—2025年)"),
        ("(以下簡稱《行動計劃》)", "(以下簡稱《行動計劃》)"),
        ("縣(市、區(qū))", "縣(市、區)"),
        ("WTO (World Trade)", "WTO (World Trade)"),
    ],
)
def test_pinyin_annotations_removed_real_brackets_kept(raw, expected):
    assert remove_pinyin(raw) == expected


def test_traditional_to_simplified_with_fixes():
    assert to_simplified("著力提高政治能力") == "着力提高政治能力"
    assert to_simplified("加強業務學習培訓") == "加强业务学习培训"
    assert to_simplified("效能顯著提高") == "效能显著提高"


def test_seed_is_clean():
    lines = clean_text(SEED.read_text(encoding="utf-8"))
    text = "\n".join(lines)
    t2s = opencc.OpenCC("t2s")
    assert t2s.convert(text) == text, "a traditional character survived"
    assert "著力" not in text
    assert "(de)" not in text and "(rén)" not in text
    assert not any(line.startswith("您的当前位置") for line in lines)
    assert not any("点击数" in line for line in lines)
    assert "广东省提升行政执法质量三年行动实施计划（2023—2025年）" in lines
    assert "县（市、区）" in text
    # ASCII punctuation between Chinese became full-width.
    assert "各地级以上市人民政府，省政府各部门、各直属机构：" in lines


def test_query_normalisation_matches_index_text():
    assert normalise_query("執法證 每年要幾個學時？") == "执法证每年要几个学时？"
    assert normalise_query("  ２０２４年\t底 ") == "2024年底"
