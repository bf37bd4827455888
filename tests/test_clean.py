import opencc
import pytest

from bot.clean import clean_text, from_cantonese, normalise_query, remove_pinyin, to_simplified
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


def test_written_cantonese_reads_as_mandarin():
    assert normalise_query("執法證唔見咗點補辦？") == "执法证不见了怎么补办？"
    assert normalise_query("法治政府建设督察几耐搞一次？") == "法治政府建设督察多久搞一次？"
    assert normalise_query("边个部门负责培训？有冇讲几时要完成？") == "哪个部门负责培训？有没有讲什么时候要完成？"
    assert normalise_query("澳門嘅執法監督係點做嘅？") == "澳门的执法监督是怎么做的？"
    # A follow-up opening with 咁 opens with 那, as a Mandarin one does.
    assert normalise_query("咁要学边几类嘢？") == "那要学哪几类东西？"


def test_mandarin_is_never_read_as_cantonese():
    """Without a Cantonese-only form the table is not applied: 系统, 重点, 几时 stay as written."""
    plan = normalise_query(SEED.read_text(encoding="utf-8"))
    assert from_cantonese(plan) == plan
    assert normalise_query("执法监督体系的重点是什么？") == "执法监督体系的重点是什么？"
    # Within a Cantonese question, the Mandarin 系统 keeps its 系.
    assert normalise_query("呢个系统系咪全省统一？") == "这个系统是不是全省统一？"
