#!/usr/bin/env python3
"""Generate the SYNTHETIC Canada 2021 case: canonical CSV files plus ``answers.json``.

An illustrative reconstruction of the story the seed tells (RRM Canada's 13 Sep 2021
analysis as reported by the Canadian Press): a Hill Times article on the parties' China
positions, two Global Times articles on 8 Sep 2021, Canada-focused WeChat news accounts
copying them without attribution from 9 Sep and adding commentary, a Xinhua Douyin video
repeating the headline, Weibo / Bilibili / Xigua echoes, the leaders' debates, the RRM
report and the 20 Sep vote.  The outlets are real public media brands; every account,
person and company is invented (handles start with ``sim_``, names end with ``(sim)``),
and every text was written for this file.

The planted answer key (``answers.json``) is derived from the generated rows, and the
generator checks its own guarantees before writing anything:

* copy detection: every planted copy contains most of its original; no other pair of
  articles (outside the Global Times story) shares more than ``MAX_OTHER_CONTAINMENT`` of
  the smaller text's token 5-grams (texts that would are regenerated);
* coordination: every pair inside a planted group co-shares at least ``MIN_WEIGHT``
  articles within ``WINDOW_S`` seconds; no other pair of accounts reaches ``MIN_WEIGHT``;
* narratives: each planted origin is the earliest article carrying its narrative.

Run ``python imports/cases/canada-2021/generate.py`` (stdlib only, deterministic: the same
seed gives byte-identical files).
"""
from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path

SEED = 20210908
HERE = Path(__file__).resolve().parent

WINDOW_S = 60           # co-share window the planted groups are built for
MIN_WEIGHT = 5          # co-shared articles a pair needs to count as coordinated
BURST_SPREAD_S = 45     # every member of a group shares a burst item within this many seconds
SHINGLE = 5             # token n-gram size used for the copy-detection guarantees
MAX_OTHER_CONTAINMENT = 0.3
TARGET_BACKGROUND_SHARES = 12600

START = "2021-09-01T00:00:00Z"
END = "2021-09-22T23:59:59Z"


# --------------------------------------------------------------------------- helpers

def ts(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


T0, T1 = ts(START), ts(END)


def rng_for(*parts) -> random.Random:
    """An independent, deterministic RNG per purpose, so editing one part leaves the others alone."""
    return random.Random(":".join(str(p) for p in (SEED, *parts)))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Each CJK character is a token; each run of other letters/digits is a (lower-cased) token."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def shingles(text: str, k: int = SHINGLE) -> set:
    toks = tokens(text)
    return {" ".join(toks[i:i + k]) for i in range(len(toks) - k + 1)}


# --------------------------------------------------------------------------- sources

SOURCES = [
    # id, kind, title, url, captured_at, collector
    ("src:cp-report", "report", "Canadian Press report on the RRM Canada analysis (the seed of this reconstruction)",
     "", "2022-09-01T00:00:00Z", "seed"),
    ("src:rrm-2021-09-13", "report", "RRM Canada analysis of 13 Sep 2021 on the Conservative-platform narrative "
     "(as described in press reporting; contents here are illustrative)", "", "2021-09-13T15:00:00Z", "RRM Canada"),
    ("src:archive-web", "archive", "Archive captures of news web pages (Hill Times, Global Times)",
     "https://archive.sim.invalid/web/2021-09", "2021-09-14T02:00:00Z", "analyst-a (sim)"),
    ("src:archive-wechat", "archive", "Archive captures of WeChat official-account articles",
     "https://archive.sim.invalid/wechat/2021-09", "2021-09-21T03:00:00Z", "analyst-a (sim)"),
    ("src:archive-weibo", "archive", "Archive captures of Weibo posts",
     "https://archive.sim.invalid/weibo/2021-09", "2021-09-21T04:00:00Z", "analyst-b (sim)"),
    ("src:archive-douyin", "archive", "Archive captures of Douyin videos and captions",
     "https://archive.sim.invalid/douyin/2021-09", "2021-09-21T05:00:00Z", "analyst-b (sim)"),
    ("src:archive-bilibili", "archive", "Archive captures of Bilibili videos and columns",
     "https://archive.sim.invalid/bilibili/2021-09", "2021-09-21T06:00:00Z", "analyst-b (sim)"),
    ("src:archive-xigua", "archive", "Archive captures of Xigua videos",
     "https://archive.sim.invalid/xigua/2021-09", "2021-09-21T06:30:00Z", "analyst-b (sim)"),
    ("src:archive-x", "archive", "Archive captures of X posts",
     "https://archive.sim.invalid/x/2021-09", "2021-09-21T07:00:00Z", "analyst-c (sim)"),
    ("src:archive-facebook", "archive", "Archive captures of Facebook posts",
     "https://archive.sim.invalid/facebook/2021-09", "2021-09-21T07:30:00Z", "analyst-c (sim)"),
    ("src:listening-export", "export", "Social listening tool export: posts and shares, 1-22 Sep 2021",
     "", "2021-09-23T00:00:00Z", "listening tool (sim)"),
    ("src:wechat-ranking-export", "export", "Cross-platform ranking tool export: WeChat article forwards",
     "", "2021-09-23T00:30:00Z", "ranking tool (sim)"),
    ("src:platform-verification", "note", "Platform verification badges naming the operating outlet",
     "", "2021-09-14T00:00:00Z", "analyst-a (sim)"),
    ("src:public-records", "note", "Public records on the ownership of the state media outlets",
     "", "2021-09-14T00:00:00Z", "analyst-a (sim)"),
    ("src:registry-lookups", "note", "WeChat / Weibo / Douyin registrant look-ups (account subject information)",
     "", "2021-09-15T00:00:00Z", "analyst-b (sim)"),
    ("src:corporate-registry", "archive", "Corporate registry extracts for the registrant companies",
     "https://registry.sim.invalid/extracts", "2021-09-16T00:00:00Z", "analyst-b (sim)"),
    ("src:analyst-note-ownership", "note", "Analyst note: indirect ownership paths and their confidence",
     "", "2021-09-17T00:00:00Z", "analyst-a (sim)"),
    ("src:analyst-note-narratives", "note", "Analyst note: narrative coding of the collected articles",
     "", "2021-09-18T00:00:00Z", "analyst-c (sim)"),
    ("src:event-calendar", "note", "Election calendar: debates (Leaders' Debates Commission) and voting day",
     "", "2021-09-01T00:00:00Z", "analyst-c (sim)"),
]

ARCHIVE = {p: f"src:archive-{p}" for p in ("web", "wechat", "weibo", "douyin", "bilibili", "xigua", "x", "facebook")}


def share_source(platform: str) -> str:
    return "src:wechat-ranking-export" if platform == "wechat" else "src:listening-export"


# --------------------------------------------------------------------------- outlets and owners

OUTLETS = [
    # id, name, state_affiliated, country, url
    ("outlet:global-times", "Global Times 环球时报", "true", "CN", "https://www.globaltimes.cn"),
    ("outlet:xinhua", "Xinhua News Agency 新华社", "true", "CN", "http://www.xinhuanet.com"),
    ("outlet:peoples-daily", "People's Daily 人民日报", "true", "CN", "http://www.people.com.cn"),
    ("outlet:cgtn", "CGTN", "true", "CN", "https://www.cgtn.com"),
    ("outlet:hill-times", "The Hill Times", "false", "CA", "https://www.hilltimes.com"),
]

# Real public bodies (declared, public-record ownership of the state media) and invented ones.
ORGANIZATIONS = [
    # id, name, state_affiliated, country, kind
    ("org:ccp-central-committee", "Central Committee of the Communist Party of China", "true", "CN", "party"),
    ("org:state-council", "State Council of the People's Republic of China", "true", "CN", "agency"),
    ("org:china-media-group", "China Media Group", "true", "CN", "agency"),
    ("org:sim-overseas-comm-centre", "海外传播促进中心 Overseas Communication Promotion Centre (sim)", "true", "CN",
     "agency"),
    ("org:sim-provincial-publicity", "省级宣传事务办公室 Provincial Publicity Affairs Office (sim)", "true", "CN",
     "agency"),
    ("org:sim-hanxin-media", "汉新文化传媒有限公司 Hanxin Culture Media Co. (sim)", "unknown", "CN", "company"),
    ("org:sim-yuejia-tech", "悦加网络科技有限公司 Yuejia Network Technology Co. (sim)", "unknown", "CN", "company"),
    ("org:sim-lingke-info", "领科信息服务有限公司 Lingke Information Services Co. (sim)", "unknown", "CN", "company"),
    ("org:sim-fengdu-media", "枫渡文化传播有限公司 Fengdu Culture Communication Co. (sim)", "unknown", "CN",
     "company"),
    ("org:sim-beihai-digital", "北海数字内容有限公司 Beihai Digital Content Co. (sim)", "unknown", "CN", "company"),
    ("org:sim-northstar-media", "Northstar Community Media Inc. (sim)", "false", "CA", "company"),
    ("org:sim-lakeshore-press", "Lakeshore Chinese Press Ltd. (sim)", "false", "CA", "company"),
    ("org:sim-pacific-bridge", "Pacific Bridge Publishing Inc. (sim)", "false", "CA", "company"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "明远思雨晨曦浩然子涵欣怡志强佳琪俊杰雅婷文博梓萱宇轩嘉怡天佑诗涵鹏飞婉清建华丽娟国庆海燕春生秋月立新红梅德胜慧敏"


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return f"{rng.choice(SURNAMES)}{given} (sim)"


# --------------------------------------------------------------------------- the story's own texts

HT_TITLE = "Where the parties stand on China: a platform-by-platform look"
HT_TEXT = (
    "With the federal campaign entering its final stretch, The Hill Times compared what each of the main parties "
    "promises on relations with the People's Republic of China.\n"
    "The Conservative platform is the most detailed, referring to China dozens of times across its chapters on "
    "trade, security and human rights.\n"
    "It pledges to diversify supply chains away from China, to block state-owned enterprises from buying Canadian "
    "companies, and to reduce reliance on Chinese critical minerals.\n"
    "The Conservatives also promise to confront Beijing over the treatment of Uyghurs and over the detention of "
    "Michael Kovrig and Michael Spavor.\n"
    "The Liberal platform says far less, speaking of working with allies and of defending Canadian interests "
    "without naming a new strategy.\n"
    "The New Democrats call for a foreign-policy review and for stronger rules on forced labour in supply chains.\n"
    "The Bloc Quebecois and the Greens each devote a paragraph to human rights and to trade with Asia.\n"
    "Former diplomats interviewed for this piece said the next government will face the same hard choices whatever "
    "its platform says, starting with 5G, canola exports and consular cases."
)

GT_A_TITLE = "加拿大保守党竞选纲领对华极为强硬 专家：几乎要与中国断交"
GT_A_TEXT = (
    "据加拿大《国会山时报》网站近日报道，该报梳理了加拿大各主要政党竞选纲领中的对华政策。\n"
    "报道称，在主要政党之中，保守党的纲领涉华内容最多，篇幅最长，措辞也最为强硬。\n"
    "这份长达一百六十多页的竞选纲领提出，要推动供应链摆脱对中国的依赖，禁止中国国有企业收购加拿大公司，"
    "并减少在关键矿产方面对中国的依赖。\n"
    "纲领还声称，一旦执政，保守党将在所谓人权问题上与北京正面对抗，并联合盟友共同向中方施压。\n"
    "一位长期研究中加关系的学者对记者表示，如果按照这份纲领执政，保守党几乎要与中国断交，"
    "这对两国关系将是灾难性的。\n"
    "这位学者指出，中国是加拿大第二大贸易伙伴，双边贸易额去年接近一千亿加元，"
    "加拿大的油菜籽、海产品和木材都高度依赖中国市场。\n"
    "另一位专家认为，保守党领袖奥图尔为了争取选票，刻意迎合国内的反华情绪，"
    "把对华强硬当作竞选的政治筹码，这种做法短视而且危险。\n"
    "分析人士还提到，距离九月二十日的投票日已不足两周，各党民调咬得很紧，"
    "保守党希望借助对华议题拉开与自由党的差距。\n"
    "不过也有加拿大商界人士私下担心，一旦中加关系进一步恶化，受损的将是加拿大的农民、渔民和出口企业。"
)

GT_B_TITLE = "三十一次！加拿大保守党纲领反复炒作中国议题"
GT_B_TEXT = (
    "记者统计发现，加拿大保守党在本次联邦大选中发布的竞选纲领，前后共有三十一次提到中国。\n"
    "这些表述几乎都带有负面色彩，从所谓网络安全威胁到外国干预，从新疆议题到香港问题，无所不包。\n"
    "纲领甚至提出，要把华为彻底排除在加拿大五代移动通信网络之外，并重新评估与中国的科研合作项目。\n"
    "中国社会科学院一位研究员接受采访时说，这样的纲领是在为中加关系埋雷，"
    "保守党若上台，两国在经贸、教育和人文领域的交流都可能大幅倒退。\n"
    "他表示，加拿大各界有识之士应当认识到，与中国保持稳定健康的关系，符合加拿大的长远利益。\n"
    "报道还注意到，相比之下，自由党和新民主党的纲领在涉华问题上的措辞要温和得多，"
    "更多强调与盟友协调和维护多边贸易规则。\n"
    "有温哥华的侨界人士表示，纲领中针对中国的大量内容，很容易让当地民众把中国和华人社区混为一谈。\n"
    "评论认为，加拿大选民最关心的是疫情后的经济复苏和住房问题，"
    "而不是被政客们不断渲染的所谓中国威胁。"
)

# The short posts that repeat a Global Times headline: echoes, not planted copies.
ECHOES = [
    # id, publisher id, platform, published_at, title, text, original, cites original?
    ("art:gt-weibo-0908", "weibo:sim_globaltimes_wb", "weibo", "2021-09-08T03:05:00Z", GT_A_TITLE,
     "【加拿大保守党竞选纲领对华极为强硬 专家：几乎要与中国断交】距离加拿大联邦大选投票不到两周，"
     "保守党抛出一份处处针对北京的纲领，学者警告这将把两国关系推向冰点。详情请戳链接。", "art:gt-0908-a", True),
    ("art:xinhua-douyin-0908", "douyin:sim_xinhua_dy", "douyin", "2021-09-08T11:30:00Z",
     "加拿大保守党竞选纲领31次提及中国",
     "视频：加拿大保守党竞选纲领31次提及中国，专家称几乎要与中国断交。主持人在节目中梳理了这份纲领的要点，"
     "并连线旅加学者，请他谈谈大选之后中加关系可能出现的变化。", "art:gt-0908-b", False),
    ("art:xinhua-xigua-0908", "xigua:sim_xinhua_xg", "xigua", "2021-09-08T12:05:00Z",
     "31次提及中国！加拿大保守党想干什么",
     "新华视点：加拿大保守党在竞选纲领里31次提及中国，有专家直言这几乎等于要与中国断交。"
     "本期视频带你看懂加拿大大选中的中国议题。", "art:gt-0908-b", False),
    ("art:pd-weibo-0908", "weibo:sim_peoplesdaily_wb", "weibo", "2021-09-08T12:40:00Z",
     "加拿大保守党纲领炒作中国议题",
     "#加拿大大选# 加拿大保守党竞选纲领三十一次提到中国，涉及贸易、科技、人权等多个领域。"
     "专家认为，这种做法损人不利己，最终受伤的是加拿大自己。", "art:gt-0908-b", False),
    ("art:gt-x-0908", "x:sim_globaltimes_en", "x", "2021-09-08T13:00:00Z",
     "Conservative platform and China",
     "Canada's Conservative Party mentions China 31 times in its election platform. Chinese experts say the "
     "hawkish plan would almost break diplomatic relations and hurt Canadian farmers and exporters. "
     "#CanadaElection", "art:gt-0908-a", True),
    ("art:cgtn-x-0908", "x:sim_cgtn_en", "x", "2021-09-08T15:20:00Z",
     "Analysis: China in Canada's election",
     "Analysis: With the vote less than two weeks away, Erin O'Toole's Conservatives have put confrontation with "
     "Beijing at the heart of their platform. Observers warn the approach could push bilateral ties to a "
     "historic low. #CanadaVotes", "art:gt-0908-a", False),
]

# Commentary the copying accounts wrap around the Global Times text.
INTROS = [
    "各位读者好，今天给大家带来一篇关于加拿大大选的重要消息，建议看完。",
    "点击上方蓝字关注我们，第一时间获取加拿大本地新闻和生活资讯。",
    "大选进入倒计时，小编整理了下面这篇文章，供大家参考。",
    "最近很多读者在后台留言询问各党对华政策，今天就来说一说。",
    "一文看懂：加拿大保守党的纲领究竟写了些什么？",
    "转眼离投票日只有十来天了，这篇内容值得每一位在加华人关注。",
]
OUTROS = [
    "欢迎在文末留言，说说你的看法。",
    "觉得有用的话，请转发给身边的朋友。",
    "本号将持续关注大选动态，敬请关注。",
    "文中观点仅供参考，欢迎理性讨论。",
    "更多加拿大新闻，请关注本公众号。",
]
FEAR = [  # narrative: chinese-canadians-fear
    "不少华人朋友看完这份纲领后直言：华人害怕这个政纲。",
    "评论区里有读者留言说，作为在加拿大生活多年的华人，看到这样的纲领心里确实发怵。",
    "小编身边的华人邻居都在问：如果这样的政党上台，我们在加拿大的日子会不会更难过？",
    "有网友说，这份纲领让很多华人家庭感到不安，担心自己被贴上标签。",
    "一位在本地开餐馆的华人老板说，最近生意本来就难做，再来一个针对中国的政府，心里更没底了。",
    "华人社区的微信群里，这两天讨论最多的就是这份纲领，很多人说感到害怕。",
]
VOTE = [  # narrative: vote-against-conservatives
    "如果保守党用这种说辞，华人同胞是否还应该支持保守党？",
    "距离投票只剩不到两周，华人选民是不是该好好想一想手中的这一票？",
    "有读者问：一个把中国当成对手的政党，值得我们华人去投票支持吗？",
    "投票日就在九月二十日，希望大家擦亮眼睛，投出对自己和社区负责的一票。",
    "过去几年里保守党在华人选区拿到不少选票，这一次华人选民还会买账吗？",
    "小编认为，华人同胞手中的选票，应该投给真正尊重华人社区的候选人。",
]
ATTRIBUTION = ["来源：环球时报", "本文转载自环球时报，版权归原作者所有。", "（据环球时报报道）",
               "以下内容来自环球时报，仅供读者参考。"]


def sentences_of(text: str) -> list[str]:
    return [s for s in text.split("\n") if s]


def light_edit(text: str, rng: random.Random) -> str:
    """A lightly edited copy: a few words swapped, one middle sentence dropped."""
    parts = sentences_of(text)
    del parts[rng.randrange(2, len(parts) - 1)]
    edited = "\n".join(parts)
    for old, new in (("报道称", "报道说"), ("学者", "专家学者"), ("纲领", "政纲"), ("记者", "媒体"),
                     ("保守党", "加拿大保守党")):
        if rng.random() < 0.5:
            edited = edited.replace(old, new, 1)
    return edited


def excerpt(text: str, rng: random.Random) -> str:
    """The first 60-75% of the original's paragraphs."""
    parts = sentences_of(text)
    keep = max(4, round(len(parts) * rng.uniform(0.60, 0.75)))
    return "\n".join(parts[:keep])


# --------------------------------------------------------------------------- generated chatter

PLACES_ZH = ["多伦多", "温哥华", "列治文", "万锦", "密西沙加", "本拿比", "卡尔加里", "蒙特利尔", "渥太华", "埃德蒙顿",
             "滑铁卢", "列治文山", "素里", "高贵林", "北约克", "士嘉堡", "奥克维尔", "汉密尔顿", "维多利亚", "温尼伯",
             "基奇纳", "奥罗拉", "旺市", "哈利法克斯", "萨斯卡通", "里贾纳", "基洛纳", "纳奈莫", "宾顿", "伦敦市"]
PLACES_EN = ["Toronto", "Vancouver", "Richmond", "Markham", "Mississauga", "Burnaby", "Calgary", "Montreal", "Ottawa",
             "Edmonton", "Waterloo", "Richmond Hill", "Surrey", "Coquitlam", "North York", "Scarborough", "Oakville",
             "Hamilton", "Victoria", "Winnipeg", "Kitchener", "Halifax", "Saskatoon", "Regina", "Kelowna", "Nanaimo",
             "Brampton", "London", "Guelph", "Kingston"]

ZH_TOPICS = {
    "weather": dict(
        subj=["气象部门", "环境部气象专家", "当地居民", "不少通勤族", "市政府", "一位老农场主", "学校家长", "公园管理处",
              "机场方面", "交通部门"],
        event=["发布了大风预警", "迎来入秋后的第一场冷雨", "出现了{n}毫米的强降雨", "气温骤降到{t}度", "遭遇浓雾天气",
               "出现罕见的冰雹", "空气质量指数一度升到{n}", "迎来连续{d}天的晴好天气", "早晚温差超过{t}度",
               "部分地区停电近{d}个小时"],
        detail=["有{n}个航班因此延误", "高速公路上车流明显放缓", "街边的枫叶已经开始变红", "周末出游的人比往年少了不少",
                "不少学校取消了户外活动", "超市里的雨具销量翻了{d}倍", "下水道一度排水不畅", "郊外的苹果园迎来采摘季",
                "湖边步道临时关闭", "不少居民提前换上了冬季轮胎"],
        opinion=["今年秋天可能比往年来得更早", "出门最好随身带一把伞", "早晚一定要注意添衣", "开车的朋友要放慢速度",
                 "老人和孩子尽量减少外出", "这种天气最适合在家煲汤"]),
    "food": dict(
        subj=["一家新开的川菜馆", "本地一位华人厨师", "不少吃货网友", "一家开了{d}年的老字号茶餐厅", "农夫市集的摊主",
              "一家奶茶连锁店", "社区烘焙坊", "美食博主", "一家云南米线店", "超市海鲜柜台"],
        event=["推出了秋季限定菜单", "把招牌烤鸭降价到{p}加元", "排起了{n}米长的队", "开始售卖新鲜的帝王蟹",
               "举办了免费试吃活动", "上线了外卖配送服务", "拿下了本地美食评选的第{d}名", "每天只限量供应{n}份",
               "被网友评为最正宗的家乡味", "换了新的装修风格"],
        detail=["人均消费大约{p}加元", "周末晚上最好提前订位", "停车位比较紧张", "辣度可以自己选择", "老板是一对来自成都的夫妻",
                "菜量很足，两个人点三个菜就够了", "甜品用的是本地的蓝莓", "现在下单还送一份小菜", "店里的招牌是酸菜鱼",
                "午市套餐很划算"],
        opinion=["味道确实不错，值得再去", "价格有点偏贵，但食材新鲜", "服务还有提升的空间", "很适合带家人一起去",
                 "环境干净，上菜也快", "口味偏清淡，适合老人孩子"]),
    "sports": dict(
        subj=["枫叶队", "猛龙队", "加拿大女足", "本地青少年冰球队", "一位华裔网球选手", "加拿大游泳队", "白帽队", "蓝鸟队",
              "社区羽毛球俱乐部", "大学篮球联赛"],
        event=["以{d}比{e}赢下关键一战", "迎来新赛季的第一次训练", "签下了一名年轻后卫", "在主场爆冷输球",
               "宣布了新的主教练人选", "拿到了本赛季第{d}场胜利", "打进季后赛的希望越来越大", "举办了公开训练日",
               "吸引了{n}名观众到场", "在加时赛中绝杀对手"],
        detail=["门票在{d}分钟内就被抢光", "赛后球迷在广场上庆祝到深夜", "队长赛后接受了采访", "比赛一度因下雨暂停",
                "年轻球员的表现让人眼前一亮", "球队的防守问题依然明显", "不少华人家庭带着孩子到场观赛",
                "电视转播的收视率创下新高", "教练组在中场做了调整", "主场球馆刚刚完成翻新"],
        opinion=["这个赛季值得期待", "球队还需要补强中场", "年轻人是球队的未来", "票价再便宜一点就好了",
                 "希望明年能走得更远", "裁判的判罚有些争议"]),
    "local": dict(
        subj=["市议会", "警方", "社区中心", "图书馆", "一家华人商会", "公交公司", "消防部门", "区教育局", "一家医院", "市长办公室"],
        event=["通过了新的停车收费方案", "提醒居民注意电话诈骗", "举办了中秋游园会", "延长了周末的开放时间",
               "宣布{d}条公交线路调整班次", "在一处住宅扑灭了火灾", "开放了新的疫苗接种点", "启动了社区清洁日活动",
               "收到了{n}份居民投诉", "为长者开设免费电脑课"],
        detail=["活动共吸引了约{n}名居民参加", "新规定将从下个月起实施", "有关部门呼吁市民保持警惕", "现场没有人员受伤",
                "报名可以在官网上完成", "预计工程将持续{d}周", "不少志愿者主动前来帮忙", "附近道路临时封闭",
                "社区里的华人长者反应热烈", "相关费用由市政府承担"],
        opinion=["这对社区来说是件好事", "希望相关部门能尽快解决", "大家要保护好自己的个人信息", "这样的活动应该多办一些",
                 "新方案对住户不太友好", "社区的变化越来越大"]),
    "housing": dict(
        subj=["地产经纪", "首次购房者", "一位房东", "不少租客", "房地产协会", "银行", "开发商", "贷款经纪", "一对年轻夫妇",
              "留学生家长"],
        event=["发现独立屋均价涨到{m}万加元", "表示上个月成交量下降了{pc}%", "把月租提高到{p}加元", "推出了新的楼花项目",
               "调整了五年期固定利率", "排队看房的人数明显减少", "抢到了一套学区房", "开始在郊区寻找更便宜的房子",
               "签下了为期一年的租约", "收到了{d}个竞价报价"],
        detail=["公寓的价格相对稳定", "学区房依然最受欢迎", "租房市场供不应求", "不少买家开始观望", "贷款审批比以前更严格",
                "新移民对租房需求很大", "城市周边的新社区发展很快", "地铁沿线的房子更抢手", "装修成本也在上涨",
                "房屋检查千万不能省"],
        opinion=["现在买房要量力而行", "租房也不失为一个选择", "长期来看房价还会上涨", "利率的走势最值得关注",
                 "年轻人上车越来越难", "买房前一定要做好功课"]),
    "education": dict(
        subj=["区教育局", "一所公立高中", "大学招生办", "一位华人家长", "补习班老师", "国际学生", "中文学校", "学校董事会",
              "一名高三学生", "校车公司"],
        event=["公布了新学年的返校安排", "开设了{d}门新的选修课", "延长了申请截止日期", "要求学生在校内佩戴口罩",
               "组织了大学申请讲座", "招收了{n}名新生", "恢复了线下课堂", "推出了免费的数学辅导",
               "调整了校车的接送时间", "获得了一笔{m}万加元的拨款"],
        detail=["很多家长对新安排表示欢迎", "报名名额有限", "课程将用英法双语授课", "学生需要提前预约", "线上课程仍然保留",
                "不少学生选择了计算机专业", "放学后的兴趣班很受欢迎", "学校图书馆也重新开放", "老师们做了很多准备",
                "部分课程需要额外收费"],
        opinion=["孩子的身心健康最重要", "家长和学校要多沟通", "教育资源分配还不够均衡", "中文学习要从小抓起",
                 "大学申请要早做准备", "学习习惯比分数更重要"]),
    "immigration": dict(
        subj=["移民局", "一位持牌移民顾问", "新移民", "留学生", "移民律师", "工签持有者", "省提名项目", "一个华人互助群",
              "社区服务机构", "刚登陆的一家人"],
        event=["发出了{n}份永久居民邀请", "更新了工签延期的政策", "公布了最新的处理时间", "开放了新一轮申请",
               "提醒申请人注意材料截止日期", "举办了免费的移民讲座", "等了{d}个月终于拿到枫叶卡", "开始办理社会保险号",
               "遇到了材料被退回的情况", "延长了疫情期间的特殊政策"],
        detail=["这一轮的最低分数是{n}分", "很多人关心配偶团聚的进度", "申请需要准备英文或法文成绩", "补件要在规定时间内完成",
                "服务机构提供免费翻译", "不少人选择先读书再移民", "网上有很多不实的信息", "办理驾照需要预约",
                "医保卡要等三个月才能生效", "找工作要准备本地化的简历"],
        opinion=["办理移民一定要找正规渠道", "耐心等待是最重要的", "新移民要尽快融入社区", "政策变化很快要多关注",
                 "第一年总是最难的", "多参加社区活动有好处"]),
    "travel": dict(
        subj=["一家旅行社", "自驾游爱好者", "国家公园", "航空公司", "一对退休夫妇", "滑雪场", "露营地", "一位旅游博主",
              "邮轮公司", "观光火车"],
        event=["推出了红叶季的旅游线路", "宣布恢复{d}条国际航线", "开放了新的徒步步道", "把票价降到{p}加元",
               "迎来了国庆前的出游高峰", "提前公布了冬季开放时间", "在落基山拍到了黑熊", "一周内接待了{n}名游客",
               "开通了直飞温哥华的航班", "推出了家庭套票"],
        detail=["露营需要提前在网上预约", "山里的气温比城市低很多", "路上要注意野生动物", "旺季的住宿很紧张",
                "门票可以在官网购买", "沿途的风景非常漂亮", "加油站之间的距离比较远", "部分景点需要出示疫苗证明",
                "带上防蚊液很有必要", "日落时分是拍照的最佳时间"],
        opinion=["秋天是加拿大最美的季节", "自驾游一定要注意安全", "早点规划可以省不少钱", "带孩子出游要量力而行",
                 "这条路线非常值得推荐", "下次还想再去一次"]),
    "tech": dict(
        subj=["一家科技初创公司", "手机运营商", "网购平台", "一位程序员", "网络安全专家", "电信公司", "大学实验室",
              "本地电商", "一家人工智能公司", "游戏工作室"],
        event=["完成了{m}万加元的融资", "推出了新的五年套餐", "提醒用户注意钓鱼短信", "在滑铁卢设立了研发中心",
               "招聘了{n}名工程师", "发布了一款新的手机应用", "下调了家庭宽带的价格", "遭遇了短时间的网络故障",
               "开源了一个数据分析工具", "举办了编程马拉松"],
        detail=["新套餐每月只要{p}加元", "用户数据将存储在加拿大境内", "不少华人工程师参与了开发", "应用目前只支持英文",
                "故障在{d}小时后恢复", "比赛吸引了很多大学生", "公司计划明年扩大规模", "产品还在测试阶段",
                "网速比以前快了不少", "客服电话经常打不进去"],
        opinion=["科技行业的机会越来越多", "个人信息安全不能大意", "手机资费还是太贵", "本地科技公司发展很快",
                 "新技术要谨慎尝试", "程序员的薪资还在上涨"]),
    "election": dict(  # on-topic chatter that carries none of the planted narratives
        subj=["选举局", "一位社区义工", "自由党候选人", "新民主党候选人", "绿党支持者", "一位政治学教授", "民调机构",
              "不少年轻选民", "提前投票站的工作人员", "一位老选民", "人民党候选人", "保守党候选人", "本地商会",
              "华人选民协会", "大学生会", "一家社区电台"],
        event=["公布了提前投票的地点", "在社区中心举办了候选人见面会", "发布了最新的民调数据", "开始上门拉票",
               "提醒选民带好身份证件", "表示提前投票人数比上次多了{pc}%", "在超市门口派发传单",
               "组织了一场关于住房政策的讨论", "开放了邮寄投票的申请", "讨论了托儿和医疗方面的政策",
               "在电视辩论后接受了电台采访", "在{n}户人家门口留下了竞选材料", "招募了{d}名华人义工",
               "在老人公寓举办了投票说明会", "承诺要增加{m}个托儿名额", "在社交媒体上直播了竞选集会",
               "请选民留意选区边界的变化", "呼吁大家在周末完成提前投票"],
        detail=["提前投票从星期五开始", "投票站将从早上九点半开放", "每个选区的候选人可以在官网上查到",
                "这次选举的焦点是疫情后的经济复苏", "不少人关心托儿费用的问题", "住房负担能力是选民最关心的议题之一",
                "两党的支持率相差不到{d}个百分点", "学生可以在校园里投票", "投票时需要出示有地址的证件",
                "选民卡已经陆续寄到家中", "部分选区的投票站换了地方", "邮寄选票必须在投票日前寄回",
                "有{n}名选民参加了见面会", "辩论会的收视人数超过了上一届", "候选人名单上一共有{d}个名字",
                "投票站需要大量双语工作人员", "没有选民卡也可以凭证件投票", "选举局网站可以查询投票地点",
                "去年的补选投票率只有{pc}%"],
        opinion=["每一票都很重要", "希望大家积极参与投票", "选民应该多了解各党的政策", "这次大选结果很难预测",
                 "住房问题需要真正的解决方案", "年轻人的投票率应该提高", "辩论会上谁表现更好见仁见智",
                 "各党的承诺能兑现多少还要打个问号", "提前投票可以避开排队", "疫情期间投票要注意防护",
                 "托儿补贴对年轻家庭很有吸引力", "小企业主更关心税收政策", "这场选举本来就不该提前举行",
                 "候选人应该多来社区听听大家的声音"]),
}

EN_TOPICS = {
    "weather": dict(
        subj=["Environment Canada", "commuters", "local farmers", "the city", "parents at the school gate", "park staff",
              "the airport", "road crews"],
        event=["issued a wind warning", "saw the first cold rain of the fall", "recorded {n} millimetres of rain",
               "watched temperatures drop to {t} degrees", "woke up to thick fog", "reported a rare hailstorm",
               "enjoyed {d} sunny days in a row", "lost power for {d} hours"],
        detail=["{n} flights were delayed", "traffic crawled on the highway", "the maples are already turning red",
                "several schools moved recess indoors", "umbrella sales jumped", "the lakeside trail closed for the day",
                "apple picking season is in full swing", "drivers are booking winter tire appointments"],
        opinion=["fall is arriving early this year", "bring an umbrella", "slow down on wet roads",
                 "this is soup weather", "the forecast keeps changing"]),
    "food": dict(
        subj=["a new dumpling house", "a local chef", "food bloggers", "a family bakery", "the farmers market",
              "a bubble tea chain", "a noodle shop that opened {d} years ago", "the seafood counter"],
        event=["launched a fall menu", "cut the price of its signature dish to {p} dollars",
               "drew a line around the block", "started selling fresh spot prawns", "held a free tasting night",
               "won {d}th place in the city's food awards", "only makes {n} portions a day", "added delivery"],
        detail=["a meal runs about {p} dollars a person", "book ahead on weekends", "parking is tight",
                "the dessert uses local blueberries", "the lunch special is a bargain", "portions are generous",
                "the owners moved here from Chengdu", "spice levels are adjustable"],
        opinion=["worth a second visit", "pricey but fresh", "great for families", "service could be faster",
                 "the broth is the star"]),
    "sports": dict(
        subj=["the Leafs", "the Raptors", "the Canucks", "the women's national team", "the Blue Jays",
              "a junior hockey club", "the university basketball team", "the local badminton club"],
        event=["won {d} to {e} in a key game", "opened training camp", "signed a young defenceman",
               "lost at home in an upset", "named a new head coach", "picked up win number {d}",
               "drew {n} fans", "won in overtime"],
        detail=["tickets sold out in {d} minutes", "fans celebrated downtown late into the night",
                "the captain spoke to reporters after the game", "rain delayed the match",
                "the rookies impressed", "the defence still looks shaky", "TV ratings hit a new high"],
        opinion=["this season looks promising", "they need help in midfield", "ticket prices are too high",
                 "the young core is the future", "the officiating was questionable"]),
    "local": dict(
        subj=["city council", "police", "the community centre", "the public library", "the transit agency",
              "the fire department", "the school board", "the mayor's office"],
        event=["approved a new parking plan", "warned residents about phone scams", "hosted a mid-autumn festival",
               "extended weekend hours", "changed service on {d} bus routes", "put out a house fire",
               "opened a new vaccine clinic", "received {n} complaints"],
        detail=["about {n} residents took part", "the new rules start next month", "no one was hurt",
                "registration is online", "the work will take {d} weeks", "volunteers turned out in numbers",
                "nearby roads are closed", "the city is covering the cost"],
        opinion=["good news for the neighbourhood", "this should be fixed quickly", "guard your personal information",
                 "we need more events like this", "the plan is unfair to renters"]),
    "housing": dict(
        subj=["realtors", "first-time buyers", "a landlord", "renters", "the real estate board", "the banks",
              "a developer", "a mortgage broker"],
        event=["saw the average detached price reach {m} thousand dollars", "reported sales down {pc} percent",
               "raised rent to {p} dollars a month", "launched a presale tower", "changed five-year fixed rates",
               "got {d} competing offers", "moved the search out to the suburbs", "signed a one-year lease"],
        detail=["condo prices are flat", "homes near transit sell fastest", "buyers are waiting on the sidelines",
                "rentals are scarce", "renovation costs keep rising", "never skip the inspection",
                "new suburbs are growing fast", "lenders are stricter than before"],
        opinion=["buy within your means", "renting is a fine choice", "watch the interest rates",
                 "young people are priced out", "do your homework first"]),
    "election": dict(  # on-topic chatter that carries none of the planted narratives
        subj=["Elections Canada", "a campaign volunteer", "the Liberal candidate", "the NDP candidate",
              "a political science professor", "pollsters", "young voters", "advance poll workers",
              "the Conservative candidate", "the Green candidate", "the local chamber of commerce",
              "a campus student union"],
        event=["published advance polling locations", "held a town hall", "released new polling numbers",
               "went door to door", "reminded voters to bring ID", "reported turnout up {pc} percent at advance polls",
               "hosted a debate on housing", "opened mail-in ballot applications",
               "knocked on {n} doors over the weekend", "recruited {d} new volunteers",
               "livestreamed a rally", "promised {m} new child care spaces", "held a seniors' voting clinic"],
        detail=["advance polls open Friday", "polling stations open at 9:30 in the morning",
                "the race is within {d} points", "child care costs are a top issue",
                "housing affordability dominates the doorstep", "students can vote on campus",
                "voter cards are arriving in the mail", "pandemic recovery is the ballot question",
                "{n} people came to the town hall", "the riding has {d} candidates on the ballot",
                "mail-in ballots must arrive by election day", "some polling stations have moved",
                "you can vote without a voter card if you bring ID", "bilingual poll workers are in demand"],
        opinion=["every vote counts", "read the platforms before you vote", "this one is hard to call",
                 "housing needs real answers", "turnout among young people has to go up",
                 "nobody really won the debate", "the snap election still annoys people",
                 "small business owners want tax relief", "the lines at advance polls were short",
                 "the leaders should spend more time in the suburbs", "child care is a sleeper issue"]),
}

TIMES_ZH = ["昨天上午", "本周三", "上周末", "今天凌晨", "近日", "本月初", "周二晚间", "前天下午", "昨晚", "今天中午",
            "9月{dm}日", "当地时间{h}点左右", "周五傍晚", "这个周末"]
TIMES_EN = ["Yesterday", "On Wednesday", "Last weekend", "Early this morning", "This week", "On Tuesday night",
            "On September {dm}", "Around {h} o'clock", "Friday evening", "Over the long weekend"]
SAY_ZH = ["表示", "认为", "提醒", "透露", "指出", "坦言", "说"]
SRC_ZH = ["当地媒体", "市政府", "知情人士", "社区网站", "网友爆料", "官方", "本地电台"]
CLOSE_ZH = ["大家怎么看？", "欢迎留言讨论。", "记得转发给需要的朋友。", "后续我们会持续关注。", "有新消息再更新。",
            "你遇到过类似的情况吗？", "先收藏起来吧。", "转给家里人看看。"]
CLOSE_EN = ["Thoughts?", "More soon.", "Share with a friend.", "Stay tuned.", "What do you think?",
            "Anyone else seeing this?", "Details below.", "Worth a read."]

NARRATIVE_ZH = {
    "n1": dict(
        lead=["刚刷到一条消息说，", "有评论文章提到，", "听朋友讲，", "网上有人整理出来，", "据说", "看了几篇报道，感觉",
              "有专栏作者分析，", "有学者在节目里说，"],
        claim=["奥图尔的纲领处处针对中国", "保守党这次的对华政策强硬得出奇", "保守党上台的话中加关系恐怕要降到冰点",
               "保守党打算把中国企业挡在加拿大门外", "保守党纲领里对中国的负面表述多到数不过来",
               "保守党要在人权问题上跟北京硬碰硬", "奥图尔准备彻底改变加拿大的对华路线", "保守党想跟中国划清界限"],
        effect=["油菜籽出口首先会受影响", "留学生签证说不定也要收紧", "加拿大的农民和渔民要遭殃",
                "两国的航班和交流可能进一步减少", "中资企业在加拿大的投资会缩水", "双边贸易可能大受打击",
                "中加之间的科研合作要停摆", "加拿大经济反而会吃亏"]),
    "n2": dict(
        lead=["说实话，", "看完以后，", "今天和同事聊起来，", "群里很多人都在说，", "作为在加拿大生活了十几年的华人，",
              "跟家里老人聊起这事，", "不少华人朋友私信我说，", "在超市排队时听到有人议论，"],
        claim=["华人社区里弥漫着一种担心被针对的情绪", "身边的华人朋友都怕以后会被另眼相看", "很多华人家长担心孩子在学校受欺负",
               "华人小业主们担心生意会受牵连", "有华人长辈说晚上都睡不好觉了", "不少华人开始担心自己的身份会被质疑",
               "华人在加拿大的处境让人有点揪心", "华人新移民对未来感到迷茫"],
        effect=["希望政客们不要拿华人当筹码", "这种不安的情绪正在蔓延", "不知道大选后会变成什么样",
                "大家心里都没底", "心里真的很不踏实", "谁来替华人说话呢"]),
    "n3": dict(
        lead=["提醒一句，", "我的想法是，", "投票之前想清楚，", "说句心里话，", "有人在群里发起讨论：", "建议大家想一想，",
              "离投票日越来越近了，", "身边的朋友在商量："],
        claim=["这一票还要不要投给保守党", "华人选民不该再支持对华强硬的政党", "投给保守党等于给自己添麻烦",
               "华人的选票应该投给尊重社区的人", "保守党不值得华人再信任", "今年华人可以考虑换一个党支持",
               "别把票投给一个拿中国说事的政党", "华人选票能不能左右几个关键选区"],
        effect=["九月二十日见分晓", "请慎重对待手中的选票", "大家自己判断吧", "投票那天一起去",
                "华人的声音应该被听到", "关键选区可能就差几百票"]),
}
NARRATIVE_EN = {
    "n1": dict(
        lead=["Reading that", "Apparently", "Commentators say", "One analysis claims", "I keep hearing that"],
        claim=["the Tory platform treats China as enemy number one", "O'Toole would take relations with Beijing to "
               "a new low", "a Conservative government would freeze ties with China",
               "the Conservatives want Chinese firms shut out of Canada"],
        effect=["canola farmers will pay for it", "trade will take a hit", "students will be caught in the middle",
                "exporters should be worried"]),
    "n2": dict(
        lead=["Honestly,", "Talking to neighbours,", "In our community chat,", "As a Chinese Canadian,"],
        claim=["people are afraid a Conservative government would single them out",
               "families are worried about being treated with suspicion",
               "small business owners fear a backlash", "seniors say the campaign makes them anxious"],
        effect=["nobody seems to be listening", "the mood is tense", "this should not be a campaign tactic",
                "it feels personal"]),
    "n3": dict(
        lead=["Before you vote,", "Just saying,", "Think about it:", "Reminder:"],
        claim=["Chinese Canadian voters should think twice about backing the Conservatives",
               "this community's votes could swing a few ridings against the Tories",
               "why support a party that campaigns against China",
               "the community owes the Conservatives nothing this time"],
        effect=["September 20 is close", "choose carefully", "make your vote count", "the ridings are tight"]),
}


def _fill(template: str, rng: random.Random) -> str:
    """Replace the number slots so that no two sentences need to look alike."""
    fills = dict(n=rng.randint(12, 980), t=rng.randint(2, 29), d=rng.randint(2, 14), e=rng.randint(0, 5),
                 p=rng.randint(9, 2900), m=rng.randint(45, 260), pc=rng.randint(3, 48), dm=rng.randint(1, 21),
                 h=rng.randint(6, 22))
    return template.format(**fills)


STREET_SYL = "士巴丹拿央贝维芬奇利登布莱克斯顿格林伍德希尔沃森汉密麦肯华盛"
SHOP_A = "金银福喜乐安泰和兴隆鑫盛华美新好老小大东西南北"
SHOP_KIND = ["茶餐厅", "面馆", "超市", "烘焙坊", "火锅店", "奶茶店", "药房", "书店", "车行", "花店", "诊所", "健身房"]
TITLES_ZH = ["居民", "网友", "店主", "家长", "司机", "学生", "老师", "义工", "经理", "医生", "业主", "退休老人"]
FIRST_EN = ["Maya", "Liam", "Priya", "Owen", "Grace", "Noah", "Chloe", "Ethan", "Amir", "Sofia", "Lucas", "Hana",
            "Jonah", "Nadia", "Felix", "Iris", "Mateo", "Leah", "Kenji", "Rosa"]
LAST_EN = ["Chen", "Tremblay", "Singh", "MacDonald", "Wong", "Roy", "Li", "Campbell", "Nguyen", "Gagnon", "Patel",
           "Fraser", "Lam", "Bouchard", "Kaur", "Stewart", "Ho", "Leblanc", "Zhou", "Martin"]
STREET_EN = ["Yonge", "Bloor", "Granville", "Main", "King", "Queen", "Dundas", "Robson", "Kingsway", "Jasper",
             "Portage", "Sherbrooke", "Bank", "Elgin", "Spadina", "Hastings", "Cambie", "Whyte", "Barton", "Oak"]
STREET_KIND_EN = ["Street", "Avenue", "Road", "Drive", "Boulevard"]
ROLE_EN = ["resident", "shop owner", "parent", "student", "teacher", "volunteer", "driver", "retiree", "nurse",
           "landlord"]
SHOP_EN_A = ["Golden", "Maple", "Lucky", "Red", "Jade", "North", "Happy", "Blue", "Silver", "Old"]
SHOP_EN_B = ["Lantern", "Dragon", "Leaf", "Harbour", "Garden", "Bridge", "Panda", "Crane", "Pine", "Moon"]
SHOP_EN_KIND = ["Cafe", "Noodle House", "Bakery", "Market", "Pharmacy", "Books", "Tea House", "Grill"]


class Picker:
    """Draws from the pools without repeating a phrase inside one text."""

    def __init__(self, rng: random.Random, pools: dict):
        self.rng, self.pools, self.used = rng, pools, set()

    def __call__(self, key: str) -> str:
        options = [p for p in self.pools[key] if (key, p) not in self.used] or self.pools[key]
        choice = self.rng.choice(options)
        self.used.add((key, choice))
        return _fill(choice, self.rng)


def zh_person(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return f"{rng.choice(TITLES_ZH)}{rng.choice(SURNAMES)}{given}"


def zh_street(rng: random.Random) -> str:
    return "".join(rng.sample(STREET_SYL, rng.choice((2, 3)))) + rng.choice(["街", "路", "大道", "道"])


def zh_shop(rng: random.Random) -> str:
    return "".join(rng.sample(SHOP_A, 2)) + rng.choice(SHOP_KIND)


def zh_text(topic, rng: random.Random, sentences: int) -> str:
    """Chinese sentences on one topic, or on several (a tuple: a daily round-up) in turn."""
    topics = list(topic) if isinstance(topic, tuple) else [topic]
    pickers = [Picker(rng, ZH_TOPICS[t]) for t in topics]
    out = []
    for i in range(sentences):
        pick = pickers[i * len(topics) // sentences]
        form = rng.randrange(6)
        place, when = rng.choice(PLACES_ZH), _fill(rng.choice(TIMES_ZH), rng)
        if form == 0:
            out.append(f"{when}，{place}{zh_street(rng)}一带，{pick('subj')}{pick('event')}。")
        elif form == 1:
            out.append(f"{zh_person(rng)}{rng.choice(SAY_ZH)}，{pick('opinion')}，{pick('detail')}。")
        elif form == 2:
            out.append(f"据{rng.choice(SRC_ZH)}消息，{pick('subj')}{pick('event')}，地点在{place}{zh_street(rng)}。")
        elif form == 3:
            out.append(f"{pick('detail')}，{zh_person(rng)}觉得{pick('opinion')}。")
        elif form == 4:
            out.append(f"{place}{when}{pick('event')}，{zh_shop(rng)}的{zh_person(rng)}{rng.choice(SAY_ZH)}"
                       f"{pick('detail')}。")
        else:
            out.append(f"{when}{zh_person(rng)}在{place}{zh_shop(rng)}附近看到，{pick('subj')}{pick('event')}。")
    if rng.random() < 0.4:
        out.append(rng.choice(CLOSE_ZH))
    return "".join(out)


def en_person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_EN)} {rng.choice(LAST_EN)}"


def en_text(topic, rng: random.Random, sentences: int) -> str:
    """English sentences on one topic, or on several (a tuple) in turn."""
    topics = list(topic) if isinstance(topic, tuple) else [topic]
    pickers = [Picker(rng, EN_TOPICS[t]) for t in topics]
    out = []
    for i in range(sentences):
        pick = pickers[i * len(topics) // sentences]
        form = rng.randrange(5)
        place, when = rng.choice(PLACES_EN), _fill(rng.choice(TIMES_EN), rng)
        street = f"{rng.choice(STREET_EN)} {rng.choice(STREET_KIND_EN)}"
        shop = f"{rng.choice(SHOP_EN_A)} {rng.choice(SHOP_EN_B)} {rng.choice(SHOP_EN_KIND)}"
        if form == 0:
            out.append(f"{when}, {pick('subj')} near {street} in {place} {pick('event')}.")
        elif form == 1:
            out.append(f"\"{pick('opinion')}, {pick('detail')},\" said {en_person(rng)}, a {rng.choice(ROLE_EN)} "
                       f"in {place}.")
        elif form == 2:
            out.append(f"{pick('subj')} {pick('event')}, {en_person(rng)} at {shop} told us.")
        elif form == 3:
            out.append(f"{en_person(rng)} on {street}: {pick('detail')}, and {pick('opinion')}.")
        else:
            out.append(f"{when} in {place}, {pick('detail')} ({rng.choice(ROLE_EN)} {en_person(rng)}).")
    if rng.random() < 0.4:
        out.append(rng.choice(CLOSE_EN))
    return " ".join(s[0].upper() + s[1:] for s in out)


def narrative_text(narratives: list[str], lang: str, rng: random.Random) -> str:
    pools = NARRATIVE_ZH if lang == "zh" else NARRATIVE_EN
    out = []
    for n in narratives:
        pool = pools[n]
        if lang == "zh":
            who = rng.choice([zh_person(rng), f"{rng.choice(PLACES_ZH)}的{zh_person(rng)}", ""])
            out.append(f"{rng.choice(pool['lead'])}{who}{'说' if who else ''}{rng.choice(pool['claim'])}，"
                       f"{rng.choice(pool['effect'])}。")
        else:
            out.append(f"{rng.choice(pool['lead'])} {rng.choice(pool['claim'])}, {rng.choice(pool['effect'])} "
                       f"({en_person(rng)}, {rng.choice(PLACES_EN)}).")
    # Lines of the author's own life keep short posts apart from each other.
    topic = rng.choice(["weather", "local", "food", "housing"])
    out.append(zh_text(topic, rng, 2) if lang == "zh" else en_text(topic, rng, 2))
    return ("" if lang == "zh" else " ").join(out)


# --------------------------------------------------------------------------- the case builder

class Case:
    def __init__(self):
        self.accounts: dict[str, dict] = {}
        self.articles: dict[str, dict] = {}
        self.persons: dict[str, dict] = {}
        self.published: list[dict] = []
        self.shared: list[dict] = []
        self.cites: list[dict] = []
        self.carries: list[dict] = []
        self.operated: list[dict] = []
        self.owned: list[dict] = []
        self.registered: list[dict] = []
        self.role: dict[str, str] = {}          # account id -> role
        self.article_role: dict[str, str] = {}  # article id -> role
        self.publisher: dict[str, str] = {}     # article id -> account/outlet id
        self.fixed: set = set()                 # hand-written articles the repair loop leaves alone
        self.regen: dict[str, tuple] = {}       # article id -> (function, args) to regenerate its text
        self.copy_pairs: list[dict] = []
        self.groups: list[dict] = []

    # -- nodes
    def account(self, platform, handle, name, role, *, followers, created, reg="", aud="", description="",
                sources=()):
        aid = f"{platform}:{handle}"
        self.accounts[aid] = dict(
            id=aid, platform=platform, handle=handle, display_name=f"{name} (sim)",
            url=f"https://{platform}.sim.invalid/{handle}", created_at=created, followers=followers,
            registrant_country=reg, audience_country=aud, description=description,
            sources=[ARCHIVE[platform], *sources])
        self.role[aid] = role
        return aid

    def article(self, aid, publisher, platform, published_at, text, role, *, title="", lang="zh", views=0, likes=0,
                sources=(), hashtags=(), urls=(), mentions=()):
        owner_label = "Outlet" if publisher.startswith("outlet:") else "Account"
        src = [ARCHIVE["web" if owner_label == "Outlet" else platform], *sources]
        self.articles[aid] = dict(
            id=aid, platform=platform, url=f"https://{platform}.sim.invalid/p/{aid.split(':', 1)[1]}", title=title,
            text=text, lang=lang, published_at=published_at, views=views, likes=likes, shares=0,
            hashtags=list(hashtags), urls=list(urls), mentions=list(mentions), sources=src)
        self.article_role[aid] = role
        self.publisher[aid] = publisher
        self.published.append(dict(src=publisher, dst=aid, src_label=owner_label, sources=src[:1]))
        return aid

    def carry(self, article, narrative, confidence, sources=("src:analyst-note-narratives",)):
        self.carries.append(dict(src=article, dst=narrative, confidence=confidence, sources=list(sources)))

    def link(self, kind, src, dst, confidence, basis, sources, src_label="Account", dst_label="Organization"):
        row = dict(src=src, dst=dst, src_label=src_label, dst_label=dst_label, confidence=confidence, basis=basis,
                   sources=list(sources))
        {"OPERATED_BY": self.operated, "OWNED_BY": self.owned, "REGISTERED_TO": self.registered}[kind].append(row)


def created(rng: random.Random, lo: int = 2013, hi: int = 2020) -> str:
    return iso(ts(f"{lo}-01-01T00:00:00Z") + rng.randrange(ts(f"{hi}-12-31T00:00:00Z") - ts(f"{lo}-01-01T00:00:00Z")))


def followers(rng: random.Random, scale: float) -> int:
    return int(scale * rng.paretovariate(1.4))


def handle_words(rng: random.Random) -> str:
    a = ["maple", "north", "river", "lake", "pine", "harbour", "cedar", "aurora", "prairie", "coast", "birch",
         "summit", "valley", "bay", "island", "metro", "uptown", "east", "west", "glen"]
    b = ["daily", "life", "talk", "news", "eats", "fan", "notes", "hub", "view", "diary", "corner", "voice", "post",
         "wire", "chat", "lens", "scene", "guide"]
    return f"{rng.choice(a)}{rng.choice(b)}"


ZH_NAME_A = ["枫", "北", "湖", "松", "港", "雪", "云", "星", "桥", "溪", "岭", "湾", "林", "川", "晴", "岚"]
ZH_NAME_B = ["叶", "光", "声", "语", "影", "风", "城", "路", "园", "窗", "谷", "帆"]
ZH_NAME_C = ["生活圈", "资讯", "日报", "速递", "随笔", "观察", "杂谈", "快讯", "小站", "笔记", "之家", "频道"]


def zh_display(rng: random.Random) -> str:
    return f"{rng.choice(ZH_NAME_A)}{rng.choice(ZH_NAME_B)}{rng.choice(ZH_NAME_C)}"


def build() -> tuple[Case, dict]:
    case = Case()
    rng = rng_for("accounts")

    # -- state media accounts, declared by the platforms' verification badges
    declared = [
        ("douyin", "sim_xinhua_dy", "新华社", "outlet:xinhua", 32_000_000),
        ("xigua", "sim_xinhua_xg", "新华社", "outlet:xinhua", 9_000_000),
        ("weibo", "sim_globaltimes_wb", "环球时报", "outlet:global-times", 28_000_000),
        ("wechat", "sim_globaltimes_wx", "环球时报", "outlet:global-times", 5_000_000),
        ("x", "sim_globaltimes_en", "Global Times", "outlet:global-times", 1_800_000),
        ("weibo", "sim_peoplesdaily_wb", "人民日报", "outlet:peoples-daily", 150_000_000),
        ("douyin", "sim_peoplesdaily_dy", "人民日报", "outlet:peoples-daily", 140_000_000),
        ("x", "sim_cgtn_en", "CGTN", "outlet:cgtn", 13_000_000),
        ("bilibili", "sim_cgtn_bili", "CGTN", "outlet:cgtn", 2_000_000),
    ]
    for platform, handle, name, outlet, fans in declared:
        aid = case.account(platform, handle, name, "declared_state", followers=fans, created=created(rng, 2012, 2017),
                           reg="CN", aud="CN" if platform not in ("x",) else "", description=f"{name} official account",
                           sources=["src:platform-verification"])
        case.link("OPERATED_BY", aid, outlet, 1.0, "declared", ["src:platform-verification"], dst_label="Outlet")

    # -- Canada-focused WeChat news accounts
    unclear = [  # strong behavioural signals, no path to a state-affiliated owner
        ("sim_fengqiao_news", "枫桥快讯", "person", 0.9),
        ("sim_beiling_daily", "北岭日报", "person", 0.9),
        ("sim_jiahua_zixun", "加华资讯站", "person", 0.85),
        ("sim_hupan_news", "湖畔新闻社", "org:sim-fengdu-media", 0.9),
        ("sim_xuesong_wire", "雪松速递", "org:sim-beihai-digital", 0.8),
    ]
    prng = rng_for("persons")
    for handle, name, registrant, conf in unclear:
        aid = case.account("wechat", handle, name, "unclear", followers=rng.randint(80_000, 320_000),
                           created=created(rng, 2017, 2020), reg="CN", aud="CA",
                           description="服务加拿大华人的新闻资讯平台", sources=["src:rrm-2021-09-13"])
        if registrant == "person":
            pid = f"person:sim-{len(case.persons) + 1:03d}"
            case.persons[pid] = dict(id=pid, name=person_name(prng), country="CN", sources=["src:registry-lookups"])
            case.link("REGISTERED_TO", aid, pid, conf, "registration", ["src:registry-lookups"], dst_label="Person")
        else:
            case.link("REGISTERED_TO", aid, registrant, conf, "registration", ["src:registry-lookups"])

    indirect = [  # a chain of links through companies to a state-affiliated body
        ("wechat", "sim_hanxin_canada", "汉新加拿大", "REGISTERED_TO", "org:sim-hanxin-media", 0.9, "registration"),
        ("wechat", "sim_yuejia_life", "悦加生活", "OPERATED_BY", "org:sim-yuejia-tech", 0.7, "analyst"),
        ("weibo", "sim_lingke_ca", "领科看加拿大", "OWNED_BY", "org:sim-lingke-info", 0.8, "registration"),
        ("douyin", "sim_lingke_video", "领科视频", "REGISTERED_TO", "org:sim-lingke-info", 0.7, "registration"),
    ]
    for platform, handle, name, kind, org, conf, basis in indirect:
        aid = case.account(platform, handle, name, "indirect", followers=rng.randint(20_000, 150_000),
                           created=created(rng, 2016, 2020), reg="CN", aud="CA",
                           description="加拿大华人生活与新闻", sources=["src:registry-lookups"])
        case.link(kind, aid, org, conf, basis, ["src:registry-lookups"])
    org_chain = [("org:sim-yuejia-tech", "org:sim-hanxin-media", 0.5, "indirect"),
                 ("org:sim-hanxin-media", "org:sim-overseas-comm-centre", 0.6, "indirect"),
                 ("org:sim-lingke-info", "org:sim-provincial-publicity", 0.4, "analyst")]
    for src, dst, conf, basis in org_chain:
        case.link("OWNED_BY", src, dst, conf, basis, ["src:corporate-registry", "src:analyst-note-ownership"],
                  src_label="Organization")
    # State media ownership, on the public record.
    for src, dst, src_label, dst_label in [
            ("outlet:global-times", "outlet:peoples-daily", "Outlet", "Outlet"),
            ("outlet:peoples-daily", "org:ccp-central-committee", "Outlet", "Organization"),
            ("outlet:xinhua", "org:state-council", "Outlet", "Organization"),
            ("outlet:cgtn", "org:china-media-group", "Outlet", "Organization"),
            ("org:china-media-group", "org:state-council", "Organization", "Organization")]:
        case.link("OWNED_BY", src, dst, 1.0, "declared", ["src:public-records"], src_label=src_label,
                  dst_label=dst_label)

    attributed = [("sim_northstar_cn", "北星华人网", "org:sim-northstar-media"),
                  ("sim_lakeshore_cn", "湖滨华人报", "org:sim-lakeshore-press"),
                  ("sim_pacbridge_cn", "太平洋桥", "org:sim-pacific-bridge")]
    for handle, name, org in attributed:
        aid = case.account("wechat", handle, name, "attributed_copier", followers=rng.randint(30_000, 120_000),
                           created=created(rng, 2014, 2019), reg="CA", aud="CA", description="加拿大华人社区媒体")
        case.link("REGISTERED_TO", aid, org, 0.95, "registration", ["src:registry-lookups"])

    # -- planted coordination groups (the WeChat ring is the unclear accounts plus one indirect one)
    g2 = [case.account("weibo", f"sim_{handle_words(rng)}_{i:02d}", zh_display(rng), "coordinated",
                       followers=followers(rng, 800), created=created(rng, 2020, 2021), aud="CA")
          for i in range(7)]
    g3 = [case.account(p, f"sim_{handle_words(rng)}_v{i:02d}", zh_display(rng), "coordinated",
                       followers=followers(rng, 1500), created=created(rng, 2019, 2021), aud="CA")
          for i, p in enumerate(["douyin", "douyin", "bilibili", "bilibili", "xigua"])]

    # -- accounts that echo the narratives in their own words
    echoers = []
    for platform, n in (("weibo", 15), ("douyin", 8), ("bilibili", 6), ("xigua", 5), ("x", 6), ("facebook", 3)):
        for i in range(n):
            name = zh_display(rng) if platform not in ("x", "facebook") else handle_words(rng).title()
            echoers.append(case.account(platform, f"sim_{handle_words(rng)}_e{i:02d}", name, "narrative_echoer",
                                        followers=followers(rng, 600), created=created(rng), aud="CA"))

    # -- Canada-focused WeChat accounts that talk about the election without the narratives
    on_topic = [case.account("wechat", f"sim_{handle_words(rng)}_o{i:02d}", zh_display(rng), "on_topic",
                             followers=followers(rng, 5000), created=created(rng), reg=rng.choice(["CA", "CN"]),
                             aud="CA", description="本地新闻") for i in range(5)]

    # -- background
    background = []
    plan = (("wechat", 45), ("weibo", 75), ("douyin", 50), ("bilibili", 40), ("xigua", 30), ("x", 70),
            ("facebook", 30))
    for platform, n in plan:
        for i in range(n):
            english = platform in ("x", "facebook")
            name = handle_words(rng).title() if english else zh_display(rng)
            reg = rng.choice(["", "", "CA", "CN", "US"]) if not english else rng.choice(["", "CA", "US"])
            aud = rng.choice(["CA", "CA", "CN", ""]) if not english else rng.choice(["CA", "CA", "US"])
            if platform == "wechat" and i < 15:  # many WeChat accounts serving Canadians are registered in China
                reg, aud = "CN", "CA"
            aid = case.account(platform, f"sim_{handle_words(rng)}_{i:03d}", name, "background",
                               followers=followers(rng, 300), created=created(rng), reg=reg, aud=aud)
            background.append(aid)
            if platform == "wechat" and i < 25:  # registrant look-ups for some of them
                pid = f"person:sim-{len(case.persons) + 1:03d}"
                country = "CN" if reg == "CN" else "CA"
                case.persons[pid] = dict(id=pid, name=person_name(prng), country=country,
                                         sources=["src:registry-lookups"])
                case.link("REGISTERED_TO", aid, pid, round(rng.uniform(0.6, 0.95), 2), "registration",
                          ["src:registry-lookups"], dst_label="Person")
    roles = dict(unclear=[f"wechat:{u[0]}" for u in unclear], indirect=[f"{p}:{h}" for p, h, *_ in indirect],
                 attributed=[f"wechat:{a[0]}" for a in attributed], g2=g2, g3=g3, echoers=echoers,
                 on_topic=on_topic, background=background, declared=[f"{p}:{h}" for p, h, *_ in declared])
    return case, roles


def write_story(case: Case, roles: dict) -> None:
    """The Hill Times article, the two Global Times articles, the echoes and the planted copies."""
    core_src = ["src:rrm-2021-09-13"]
    case.article("art:ht-0906", "outlet:hill-times", "web", "2021-09-06T12:00:00Z", HT_TEXT, "hill_times",
                 title=HT_TITLE, lang="en", views=18_400, likes=0)
    case.article("art:gt-0908-a", "outlet:global-times", "web", "2021-09-08T02:40:00Z", GT_A_TEXT, "original",
                 title=GT_A_TITLE, views=136_200, likes=4_210, sources=core_src, urls=["https://web.sim.invalid/p/ht-0906"])
    case.article("art:gt-0908-b", "outlet:global-times", "web", "2021-09-08T09:15:00Z", GT_B_TEXT, "original",
                 title=GT_B_TITLE, views=112_900, likes=3_150, sources=core_src)
    case.cites.append(dict(src="art:gt-0908-a", dst="art:ht-0906", sources=["src:archive-web"]))
    for gt in ("art:gt-0908-a", "art:gt-0908-b"):
        case.carry(gt, "narrative:conservative-platform-breaks-ties", 1.0, ["src:rrm-2021-09-13"])
    case.fixed.update({"art:ht-0906", "art:gt-0908-a", "art:gt-0908-b"})

    rng = rng_for("echoes")
    for aid, publisher, platform, at, title, text, original, cites in ECHOES:
        lang = "en" if platform == "x" else "zh"
        urls = [f"https://web.sim.invalid/p/{original.split(':', 1)[1]}"] if cites else []
        case.article(aid, publisher, platform, at, text, "echo", title=title, lang=lang,
                     views=rng.randint(200_000, 2_000_000), likes=rng.randint(2_000, 40_000), sources=core_src,
                     hashtags=re.findall(r"#(\w+)#?", text), urls=urls)
        if cites:
            case.cites.append(dict(src=aid, dst=original, sources=[ARCHIVE[platform]]))
        case.carry(aid, "narrative:conservative-platform-breaks-ties", 0.95, ["src:rrm-2021-09-13"])
        case.fixed.add(aid)

    U, I, A = roles["unclear"], roles["indirect"], roles["attributed"]
    # copy id, account, original, when, kind, narratives added by the commentary, attributed
    plan = [
        ("u1-a", U[0], "a", "2021-09-09T00:20:00Z", "full", ["fear"], False),
        ("u2-a", U[1], "a", "2021-09-09T00:50:00Z", "edited", ["vote"], False),
        ("u3-a", U[2], "a", "2021-09-09T02:15:00Z", "excerpt", ["fear", "vote"], False),
        ("u4-a", U[3], "a", "2021-09-09T03:40:00Z", "full", ["fear"], False),
        ("u5-b", U[4], "b", "2021-09-09T05:10:00Z", "full", ["vote"], False),
        ("i1-a", I[0], "a", "2021-09-09T06:00:00Z", "excerpt", ["vote"], False),
        ("u5-a", U[4], "a", "2021-09-09T07:30:00Z", "edited", ["fear"], False),
        ("u1-b", U[0], "b", "2021-09-09T09:40:00Z", "excerpt", ["fear"], False),
        ("ew-a", roles["echoers"][0], "a", "2021-09-09T10:00:00Z", "excerpt", [], False),
        ("u2-b", U[1], "b", "2021-09-09T11:00:00Z", "full", ["vote"], False),
        ("u4-b", U[3], "b", "2021-09-09T13:20:00Z", "excerpt", ["fear"], False),
        ("u3-b", U[2], "b", "2021-09-10T01:30:00Z", "edited", ["vote"], False),
        ("i2-b", I[1], "b", "2021-09-10T03:00:00Z", "full", [], True),
        ("a1-a", A[0], "a", "2021-09-10T13:00:00Z", "full", [], True),
        ("a2-a", A[1], "a", "2021-09-11T02:00:00Z", "excerpt", [], True),
        ("eb-b", roles["echoers"][15 + 8], "b", "2021-09-11T08:00:00Z", "full", [], True),
        ("a3-b", A[2], "b", "2021-09-12T04:00:00Z", "edited", [], True),
    ]
    original_text = {"a": GT_A_TEXT, "b": GT_B_TEXT}
    original_title = {"a": GT_A_TITLE, "b": GT_B_TITLE}
    narrative_of = {"fear": "narrative:chinese-canadians-fear", "vote": "narrative:vote-against-conservatives"}
    for cid, account, which, at, kind, adds, attributed in plan:
        crng = rng_for("copy", cid)
        body = original_text[which]
        body = light_edit(body, crng) if kind == "edited" else excerpt(body, crng) if kind == "excerpt" else body
        head = [crng.choice(INTROS)]
        tail = [crng.choice(pool) for pool in (FEAR if "fear" in adds else [], VOTE if "vote" in adds else [])
                if pool]
        if attributed:
            head.append(crng.choice(ATTRIBUTION))
        tail.append(crng.choice(OUTROS))
        text = "\n".join([*head, body, *tail])
        platform = account.split(":", 1)[0]
        title = original_title[which] if crng.random() < 0.5 else f"重磅｜{original_title[which]}"
        aid = case.article(f"art:copy-{cid}", account, platform, at, text, "copy", title=title,
                           views=crng.randint(10_000, 100_000), likes=crng.randint(100, 3_000),
                           sources=["src:rrm-2021-09-13"],
                           urls=[f"https://web.sim.invalid/p/gt-0908-{which}"] if attributed else [])
        original = f"art:gt-0908-{which}"
        if attributed:
            case.cites.append(dict(src=aid, dst=original, sources=[ARCHIVE[platform]]))
        case.carry(aid, "narrative:conservative-platform-breaks-ties", 1.0, ["src:rrm-2021-09-13"])
        for n in adds:
            case.carry(aid, narrative_of[n], 0.9, ["src:rrm-2021-09-13", "src:analyst-note-narratives"])
        case.fixed.add(aid)
        case.copy_pairs.append(dict(copy=aid, original=original, attributed=attributed, kind=kind,
                                    copy_publisher=account, original_publisher="outlet:global-times"))


TITLED = ("wechat", "douyin", "bilibili", "xigua")

NARRATIVE_IDS = {"n1": "narrative:conservative-platform-breaks-ties", "n2": "narrative:chinese-canadians-fear",
                 "n3": "narrative:vote-against-conservatives"}


def _posting_time(rng: random.Random, lo: str, hi: str) -> str:
    return iso(rng.randrange(ts(lo), ts(hi)))


def write_chatter(case: Case, roles: dict) -> None:
    """Narrative echo posts, on-topic election chatter and unrelated background posts."""
    rng = rng_for("chatter")
    n = 0

    def new_id(prefix):
        nonlocal n
        n += 1
        return f"art:{prefix}-{n:05d}"

    def post(prefix, account, role, when, make, args, lang, sentences_hint=0):
        aid = new_id(prefix)
        text = make(*args, rng_for("text", aid, 0))
        platform = account.split(":", 1)[0]
        case.article(aid, account, platform, when, text, role, lang=lang,
                     views=int(rng.paretovariate(1.2) * 150), likes=int(rng.paretovariate(1.3) * 8),
                     hashtags=["加拿大大选"] if role == "narrative_post" and lang == "zh" and rng.random() < 0.4 else
                     (["cdnpoli"] if role in ("narrative_post", "on_topic") and lang == "en" and rng.random() < 0.5
                      else []))
        case.regen[aid] = (make, args)
        return aid

    def narr(ns, lang, r):
        return narrative_text(ns, lang, r)

    def topic_zh(topic, k, r):
        return zh_text(topic, r, k)

    def topic_en(topic, k, r):
        return en_text(topic, r, k)

    # Narrative posts in the posters' own words, after the origins of what they carry.
    posters = roles["echoers"] + roles["g2"] + roles["g3"] + roles["indirect"][2:]
    for account in posters:
        platform = account.split(":", 1)[0]
        lang = "en" if platform in ("x", "facebook") else "zh"
        for _ in range(rng.randint(3, 7)):
            ns = sorted(rng.sample(["n1", "n2", "n3"], rng.choice((1, 1, 2))))
            lo = "2021-09-09T04:00:00Z" if ("n2" in ns or "n3" in ns) else "2021-09-08T06:00:00Z"
            aid = post("np", account, "narrative_post", _posting_time(rng, lo, "2021-09-20T03:00:00Z"), narr,
                       (ns, lang), lang)
            for key in ns:
                case.carry(aid, NARRATIVE_IDS[key], round(rng.uniform(0.6, 0.95), 2))

    # Election chatter that carries none of the narratives.
    chatter_accounts = roles["on_topic"] + [a for a in roles["background"] if rng.random() < 0.25]
    for account in chatter_accounts:
        platform = account.split(":", 1)[0]
        lang = "en" if platform in ("x", "facebook") else "zh"
        for _ in range(rng.randint(1, 3) if account in roles["background"] else rng.randint(6, 10)):
            make, k = (topic_en, rng.randint(2, 4)) if lang == "en" else (topic_zh, rng.randint(2, 5))
            post("ot", account, "on_topic", _posting_time(rng, START, "2021-09-21T00:00:00Z"), make,
                 ("election", k), lang)

    # Everybody else's everyday posts (the state accounts post other news too).
    zh_topics = [t for t in ZH_TOPICS if t != "election"]
    en_topics = [t for t in EN_TOPICS if t != "election"]
    everyday = roles["background"] + roles["declared"] + roles["g2"] + roles["g3"] + roles["echoers"] + \
        roles["unclear"] + roles["indirect"] + roles["attributed"] + roles["on_topic"]
    for account in everyday:
        platform = account.split(":", 1)[0]
        lang = "en" if platform in ("x", "facebook") else "zh"
        count = rng.randint(2, 7) if account in roles["background"] else rng.randint(2, 5)
        for _ in range(count):
            if lang == "en":
                make, args = topic_en, (rng.choice(en_topics), rng.randint(2, 5))
            else:
                if platform == "wechat":  # a daily round-up of a few topics
                    make, args = topic_zh, (tuple(rng.sample(zh_topics, 3)), rng.randint(5, 8))
                else:
                    make, args = topic_zh, (rng.choice(zh_topics), rng.randint(2, 4))
            post("bg", account, "background", _posting_time(rng, START, "2021-09-22T12:00:00Z"), make, args, lang)


# --------------------------------------------------------------------------- checks on the texts

def overlap_report(case: Case, repair: bool) -> dict:
    """Exact search for pairs of articles whose token 5-grams overlap by >= MAX_OTHER_CONTAINMENT.

    Pairs inside the Global Times story (originals, copies, echoes) are expected to overlap and
    are reported separately; any other such pair gets its generated article rewritten when
    ``repair`` is set.  A pair can only reach the threshold if it shares a rare shingle (one
    in <= RARE documents) unless the smaller text is mostly common shingles; those texts are
    compared with everything directly, so nothing above the threshold is missed.
    """
    RARE = 40
    ids = sorted(case.articles)
    sets = {a: shingles(case.articles[a]["text"]) for a in ids}
    df = Counter(s for a in ids for s in sets[a])
    postings = defaultdict(list)
    for a in ids:
        for s in sets[a]:
            if df[s] <= RARE:
                postings[s].append(a)
    candidates = set()
    for docs in postings.values():
        candidates.update(combinations(docs, 2))
    for a in ids:
        common = sum(1 for s in sets[a] if df[s] > RARE)
        if sets[a] and common / len(sets[a]) >= MAX_OTHER_CONTAINMENT:
            candidates.update((min(a, b), max(a, b)) for b in ids if b != a)
    story = {a for a, r in case.article_role.items() if r in ("original", "copy", "echo")}
    worst_other, worst_story, offenders = 0.0, 0.0, []
    for a, b in sorted(candidates):
        sa, sb = sets[a], sets[b]
        if not sa or not sb:
            continue
        c = len(sa & sb) / min(len(sa), len(sb))
        if a in story and b in story:
            worst_story = max(worst_story, c)
        else:
            worst_other = max(worst_other, c)
            if c >= MAX_OTHER_CONTAINMENT:
                offenders.append((a, b, c))
    if repair:
        for a, b, _ in offenders:
            later = max((a, b), key=lambda x: (x not in case.fixed, case.articles[x]["published_at"], x))
            if later in case.fixed:
                raise SystemExit(f"two hand-written articles overlap: {a} {b}")
            make, args = case.regen[later]
            attempt = case.articles[later].get("_attempt", 0) + 1
            case.articles[later]["_attempt"] = attempt
            case.articles[later]["text"] = make(*args, rng_for("text", later, attempt))
    return dict(offenders=offenders, max_other=worst_other, max_story=worst_story)


def exact_overlap_max(case: Case) -> dict:
    """Maximum containment and Jaccard over every pair with an article outside the story (brute force)."""
    story = {a for a, r in case.article_role.items() if r in ("original", "copy", "echo")}
    sets = [(a, shingles(case.articles[a]["text"])) for a in sorted(case.articles)]
    sets = [(a, s) for a, s in sets if s]
    containment = jaccard = 0.0
    for i, (a, sa) in enumerate(sets):
        for b, sb in sets[i + 1:]:
            if a in story and b in story:
                continue
            shared = len(sa & sb)
            if shared:
                containment = max(containment, shared / min(len(sa), len(sb)))
                jaccard = max(jaccard, shared / (len(sa) + len(sb) - shared))
    return dict(containment=containment, jaccard=jaccard)


def pair_stats(case: Case, copy: str, original: str) -> dict:
    a, b = shingles(case.articles[copy]["text"]), shingles(case.articles[original]["text"])
    inter = len(a & b)
    return dict(containment_of_original=round(inter / len(b), 4), containment_of_copy=round(inter / len(a), 4),
                jaccard=round(inter / len(a | b), 4))


# --------------------------------------------------------------------------- shares and coordination

def write_shares(case: Case, roles: dict) -> None:
    rng = rng_for("shares")
    sharers = [a for a in case.accounts if case.role[a] in ("background", "narrative_echoer", "on_topic")]
    by_platform = defaultdict(list)
    for a in sharers:
        by_platform[case.accounts[a]["platform"]].append(a)
    activity = {a: rng.lognormvariate(0, 0.9) for a in sharers}
    ids = sorted(case.articles)
    weight = {}
    for aid in ids:
        role = case.article_role[aid]
        boost = {"original": 60, "echo": 40, "copy": 12, "hill_times": 6, "narrative_post": 1.5}.get(role, 1.0)
        weight[aid] = rng.paretovariate(1.6) * boost
    scale = TARGET_BACKGROUND_SHARES / sum(weight.values())
    counter = 0

    def add_share(account, aid, at, kind):
        nonlocal counter
        counter += 1
        platform = case.accounts[account]["platform"]
        case.shared.append(dict(src=account, dst=aid, id=f"share:{counter:06d}", at=iso(at), kind=kind,
                                sources=[share_source(platform)]))

    for aid in ids:
        art = case.articles[aid]
        n = int(weight[aid] * scale + rng.random())
        pub = ts(art["published_at"])
        platform = art["platform"]
        local = by_platform.get(platform) or sharers
        for _ in range(n):
            pool = local if rng.random() < 0.75 else sharers
            account = rng.choices(pool, weights=[activity[a] for a in pool])[0]
            if account == case.publisher[aid]:
                continue
            # Organic sharing: spread over the following hours and days.
            at = pub + 60 + int(rng.expovariate(1 / (10 * 3600)))
            if at > T1:
                continue
            same = case.accounts[account]["platform"] == platform
            kind = rng.choices(["repost", "quote", "reply", "like"], [70, 15, 5, 10])[0] if same else "link"
            add_share(account, aid, at, kind)

    # Planted groups: every member shares each burst item within BURST_SPREAD_S seconds, soon after it appears.
    story = [a for a in ids if case.article_role[a] in ("original", "copy", "echo")]
    narrative_posts = [a for a in ids if case.article_role[a] == "narrative_post"]
    wechat_story = [a for a in story if case.articles[a]["platform"] in ("wechat", "web")]
    g1 = roles["unclear"] + roles["indirect"][:1]
    g1_own = [a for a in ids if case.publisher[a] in g1 and case.article_role[a] == "background"]
    g2_pool = [a for a in story + narrative_posts if case.articles[a]["platform"] == "weibo"]
    g3_pool = [a for a in story + narrative_posts if case.articles[a]["platform"] in ("douyin", "bilibili", "xigua")]
    grng = rng_for("groups")
    plans = [
        ("wechat-copy-ring", g1, sorted(grng.sample(wechat_story, min(16, len(wechat_story))) +
                                        grng.sample(g1_own, 8))),
        ("weibo-amplifiers", roles["g2"], sorted(grng.sample(g2_pool, 26))),
        ("video-echo-cluster", roles["g3"], sorted(grng.sample(g3_pool, 18))),
    ]
    for name, members, items in plans:
        for aid in items:
            start = max(ts(case.articles[aid]["published_at"]), T0) + grng.randint(120, 5400)
            for account in members:
                if account == case.publisher[aid]:
                    continue
                add_share(account, aid, start + grng.randint(0, BURST_SPREAD_S), "repost")
        # ... and some ordinary, unsynchronised sharing of their own.
        for account in members:
            for aid in grng.sample(ids, 12):
                if account == case.publisher[aid]:
                    continue
                at = ts(case.articles[aid]["published_at"]) + 600 + int(grng.expovariate(1 / (20 * 3600)))
                if at <= T1:
                    add_share(account, aid, at, "repost")
        case.groups.append(dict(name=name, members=sorted(members), kind="co-share", window_s=WINDOW_S,
                                min_weight=MIN_WEIGHT, items=items))
    # Platform share counters at least as large as what the export saw.
    seen = Counter(s["dst"] for s in case.shared)
    for aid, art in case.articles.items():
        art["shares"] = seen[aid] + int(rng.paretovariate(1.5) * 3)


def coshare_weights(shares: list[dict], window: int) -> Counter:
    """Pair weight = number of distinct articles both accounts shared within ``window`` seconds of each other."""
    by_article = defaultdict(list)
    for s in shares:
        by_article[s["dst"]].append((ts(s["at"]), s["src"]))
    weights = Counter()
    for events in by_article.values():
        events.sort()
        pairs = set()
        j = 0
        for i in range(len(events)):
            while events[i][0] - events[j][0] > window:
                j += 1
            for k in range(j, i):
                a, b = events[k][1], events[i][1]
                if a != b:
                    pairs.add((min(a, b), max(a, b)))
        weights.update(pairs)
    return weights


# --------------------------------------------------------------------------- writing

COLUMNS = {
    "Source": ["id", "kind", "title", "url", "captured_at", "sha256", "collector", "sources"],
    "Outlet": ["id", "name", "state_affiliated", "country", "url", "sources"],
    "Organization": ["id", "name", "state_affiliated", "country", "kind", "sources"],
    "Person": ["id", "name", "country", "sources"],
    "Account": ["id", "platform", "handle", "display_name", "url", "created_at", "followers", "registrant_country",
                "audience_country", "description", "sources"],
    "Article": ["id", "platform", "url", "title", "text", "lang", "published_at", "views", "likes", "shares",
                "content_sha256", "hashtags", "urls", "mentions", "sources"],
    "Narrative": ["id", "name", "description", "sources"],
    "Event": ["id", "name", "kind", "at", "sources"],
    "PUBLISHED": ["src", "dst", "src_label", "sources"],
    "SHARED": ["src", "dst", "id", "at", "kind", "sources"],
    "CITES": ["src", "dst", "sources"],
    "CARRIES": ["src", "dst", "confidence", "sources"],
    "OPERATED_BY": ["src", "dst", "src_label", "dst_label", "confidence", "basis", "sources"],
    "OWNED_BY": ["src", "dst", "src_label", "dst_label", "confidence", "basis", "sources"],
    "REGISTERED_TO": ["src", "dst", "dst_label", "confidence", "basis", "sources"],
}

NARRATIVES = [
    ("narrative:conservative-platform-breaks-ties", "The Conservative platform would almost break ties with China",
     "The Conservative platform mentions China 31 times and would all but break diplomatic relations; "
     "保守党纲领31次提及中国，几乎要与中国断交。"),
    ("narrative:chinese-canadians-fear", "Chinese Canadians fear the Conservative platform",
     "Chinese Canadians are afraid of what the platform means for them; 华人害怕这个政纲。"),
    ("narrative:vote-against-conservatives", "Chinese Canadians should not vote Conservative",
     "Questions whether Chinese compatriots should support the Conservatives; 华人同胞是否还应该支持保守党。"),
]

EVENTS = [
    ("event:debate-fr-2021-09-08", "Leaders' Debates Commission French-language debate (first leaders' debate)",
     "debate", "2021-09-09T00:00:00Z"),
    ("event:debate-en-2021-09-09", "Leaders' Debates Commission English-language debate", "debate",
     "2021-09-10T01:00:00Z"),
    ("event:rrm-report-2021-09-13", "RRM Canada analysis of the Conservative-platform narrative", "report",
     "2021-09-13T15:00:00Z"),
    ("event:vote-2021-09-20", "Federal election day (polls open in the East)", "vote", "2021-09-20T13:30:00Z"),
]


def cell(value) -> str:
    if isinstance(value, list):
        assert all("|" not in str(v) for v in value), value
        return "|".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def write_csv(out: Path, name: str, rows: list[dict]) -> int:
    path = out / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS[name])
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in COLUMNS[name]])
    return len(rows)


def main(argv: list[str]) -> int:
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else HERE
    out.mkdir(parents=True, exist_ok=True)
    case, roles = build()
    write_story(case, roles)
    write_chatter(case, roles)
    for attempt in range(60):
        report = overlap_report(case, repair=True)
        if not report["offenders"]:
            break
        print(f"rewrote {len(report['offenders'])} overlapping texts (pass {attempt + 1})", file=sys.stderr)
    else:
        raise SystemExit("could not make the background texts distinct")
    for aid, art in case.articles.items():
        art.pop("_attempt", None)
        if aid in case.regen and art["platform"] in TITLED:  # articles and videos have titles; posts do not
            art["title"] = re.split(r"[。！？.!?]", art["text"], maxsplit=1)[0][:30]
        art["content_sha256"] = digest(art["text"])
    write_shares(case, roles)

    # -- check the coordination plants
    checks = {}
    for window in (WINDOW_S, 300, 3600):
        weights = coshare_weights(case.shared, window)
        inside = {(a, b) for g in case.groups for a, b in combinations(g["members"], 2)}
        planted = [weights[p] for p in inside]
        other = [w for p, w in weights.items() if p not in inside]
        checks[str(window)] = dict(min_planted_pair_weight=min(planted), max_other_pair_weight=max(other, default=0),
                                   other_pairs_at_min_weight=sum(1 for w in other if w >= MIN_WEIGHT))
        if window == WINDOW_S:
            for g in case.groups:
                g["min_pair_weight"] = min(weights[(a, b)] for a, b in combinations(g["members"], 2))
    if checks[str(WINDOW_S)]["min_planted_pair_weight"] < MIN_WEIGHT * 2 or \
            checks[str(WINDOW_S)]["max_other_pair_weight"] >= MIN_WEIGHT:
        raise SystemExit(f"coordination plants are not separable: {checks}")

    # -- check the narrative origins against the data
    planned_origins = {"narrative:conservative-platform-breaks-ties": "art:gt-0908-a",
                       "narrative:chinese-canadians-fear": "art:copy-u1-a",
                       "narrative:vote-against-conservatives": "art:copy-u2-a"}
    carriers = defaultdict(list)
    for c in case.carries:
        carriers[c["dst"]].append(c["src"])
    narratives = {}
    for nid, planned in planned_origins.items():
        first = min(carriers[nid], key=lambda a: (case.articles[a]["published_at"], a))
        assert first == planned, (nid, first, planned)
        narratives[nid] = dict(origin=first, origin_published_at=case.articles[first]["published_at"],
                               origin_account_or_outlet=case.publisher[first],
                               origin_label="Outlet" if case.publisher[first].startswith("outlet:") else "Account",
                               carriers=len(carriers[nid]))

    overlaps = overlap_report(case, repair=False)
    assert not overlaps["offenders"]
    for pair in case.copy_pairs:
        pair.update(pair_stats(case, pair["copy"], pair["original"]))
        pair["lag_s"] = ts(case.articles[pair["copy"]]["published_at"]) - ts(
            case.articles[pair["original"]]["published_at"])

    # -- write the files
    sources = [dict(id=i, kind=k, title=t, url=u, captured_at=c, sha256=digest(i + t), collector=col, sources=[i])
               for i, k, t, u, c, col in SOURCES]
    counts = {}
    counts["Source"] = write_csv(out, "Source", sources)
    counts["Outlet"] = write_csv(out, "Outlet", [dict(id=i, name=n, state_affiliated=s, country=c, url=u,
                                                 sources=["src:public-records"]) for i, n, s, c, u in OUTLETS])
    counts["Organization"] = write_csv(out, "Organization", [
        dict(id=i, name=n, state_affiliated=s, country=c, kind=k,
             sources=["src:public-records"] if not i.startswith("org:sim-") else ["src:corporate-registry"])
        for i, n, s, c, k in ORGANIZATIONS])
    counts["Person"] = write_csv(out, "Person", sorted(case.persons.values(), key=lambda r: r["id"]))
    counts["Account"] = write_csv(out, "Account", sorted(case.accounts.values(), key=lambda r: r["id"]))
    articles = sorted(case.articles.values(), key=lambda r: (r["published_at"], r["id"]))
    counts["Article"] = write_csv(out, "Article", articles)
    counts["Narrative"] = write_csv(out, "Narrative", [dict(id=i, name=n, description=d, sources=[
        "src:analyst-note-narratives", "src:rrm-2021-09-13"]) for i, n, d in NARRATIVES])
    counts["Event"] = write_csv(out, "Event", [dict(id=i, name=n, kind=k, at=a, sources=[
        "src:rrm-2021-09-13" if k == "report" else "src:event-calendar"]) for i, n, k, a in EVENTS])
    counts["PUBLISHED"] = write_csv(out, "PUBLISHED", case.published)
    counts["SHARED"] = write_csv(out, "SHARED", case.shared)
    counts["CITES"] = write_csv(out, "CITES", case.cites)
    counts["CARRIES"] = write_csv(out, "CARRIES", case.carries)
    counts["OPERATED_BY"] = write_csv(out, "OPERATED_BY", case.operated)
    counts["OWNED_BY"] = write_csv(out, "OWNED_BY", case.owned)
    counts["REGISTERED_TO"] = write_csv(out, "REGISTERED_TO", case.registered)

    answers = build_answers(case, roles, narratives, checks, overlaps, counts)
    (out / "answers.json").write_text(json.dumps(answers, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(answers["counts"], indent=1))
    return 0


def ownership_paths(case: Case, account: str) -> list[dict]:
    """Every chain of OPERATED_BY / OWNED_BY / REGISTERED_TO links from an account to a state-affiliated entity."""
    edges = defaultdict(list)
    for kind, rows in (("OPERATED_BY", case.operated), ("OWNED_BY", case.owned), ("REGISTERED_TO", case.registered)):
        for r in rows:
            edges[r["src"]].append((kind, r["dst"], r["confidence"], r["basis"]))
    state = {o[0] for o in OUTLETS if o[2] == "true"} | {o[0] for o in ORGANIZATIONS if o[2] == "true"}
    found = []

    def walk(node, path, rels, confs, bases):
        if node in state and rels:
            conf = 1.0
            for c in confs:
                conf *= c
            found.append(dict(account=account, path=path, rels=rels, confidences=confs, bases=bases,
                              path_confidence=round(conf, 4), reaches=node))
            return
        for kind, dst, c, b in edges.get(node, []):
            if dst not in path:
                walk(dst, path + [dst], rels + [kind], confs + [c], bases + [b])

    walk(account, [account], [], [], [])
    return found


def build_answers(case, roles, narratives, checks, overlaps, counts) -> dict:
    exact = exact_overlap_max(case)
    assert exact["containment"] < MAX_OTHER_CONTAINMENT
    role_of = case.role
    account_roles = defaultdict(list)
    for aid in sorted(role_of):
        account_roles[role_of[aid]].append(aid)
    article_roles = defaultdict(list)
    for aid in sorted(case.article_role):
        article_roles[case.article_role[aid]].append(aid)
    declared = [p for a in roles["declared"] for p in ownership_paths(case, a)]
    indirect = [min(ownership_paths(case, a), key=lambda p: len(p["path"])) for a in roles["indirect"]]
    for a in roles["unclear"] + roles["background"]:
        assert not ownership_paths(case, a), a
    families = defaultdict(list)
    for p in case.copy_pairs:
        families[p["original"]].append(p["copy"])
    echoes = [dict(article=e[0], publisher=e[1], echoes=e[6], cites=e[7]) for e in ECHOES]
    first_copy = {}
    for p in sorted(case.copy_pairs, key=lambda p: p["lag_s"]):
        first_copy.setdefault(p["copy_publisher"], p["lag_s"])
    unclear_signals = {a: dict(
        unattributed_copies=sorted(p["copy"] for p in case.copy_pairs if p["copy_publisher"] == a and
                                   not p["attributed"]),
        first_copy_lag_s=first_copy.get(a), registrant_country=case.accounts[a]["registrant_country"],
        audience_country=case.accounts[a]["audience_country"],
        coordinated_group=next(g["name"] for g in case.groups if a in g["members"]),
        registered_to=[r["dst"] for r in case.registered if r["src"] == a]) for a in roles["unclear"]}
    return {
        "synthetic": True,
        "case": "canada-2021",
        "generator": "generate.py",
        "seed": SEED,
        "counts": {"nodes": {k: v for k, v in counts.items() if not k.isupper()},
                   "relationships": {k: v for k, v in counts.items() if k.isupper()}},
        "platforms": sorted({a["platform"] for a in case.accounts.values()}),
        "narratives": narratives,
        "originals": ["art:gt-0908-a", "art:gt-0908-b"],
        "copy_pairs": case.copy_pairs,
        "copy_families": {k: sorted(v) for k, v in sorted(families.items())},
        "echoes": echoes,
        "copy_detection": {
            "shingles": f"token {SHINGLE}-grams; a token is one CJK character or one NFKC-lower-cased run of other "
                        "letters/digits (see tokens() in generate.py)",
            "containment": "shared shingles / shingles of the smaller text",
            "story_articles": sorted(article_roles["original"] + article_roles["copy"] + article_roles["echo"]),
            "max_containment_outside_story": round(exact["containment"], 4),
            "max_containment_inside_story": round(overlaps["max_story"], 4),
            "max_jaccard_outside_story": round(exact["jaccard"], 4),
            "min_planted_containment_of_original": min(p["containment_of_original"] for p in case.copy_pairs),
            "min_planted_jaccard": min(p["jaccard"] for p in case.copy_pairs),
            "guarantee": f"no pair with an article outside story_articles reaches {MAX_OTHER_CONTAINMENT}",
            "copy_edges": "exactly copy_pairs: each planted copy took its text from its original, none from "
                          "another copy, so copies of one original are siblings, never a copy pair",
            "expected_copy_edges": len(case.copy_pairs),
        },
        "coordinated_groups": case.groups,
        "coordination_check": {"weight": "distinct articles both accounts shared within window_s of each other",
                               "by_window_s": checks},
        "unclear_ownership": roles["unclear"],
        "unclear_signals": unclear_signals,
        "declared_state_accounts": roles["declared"],
        "declared_paths": declared,
        "indirect_ownership": indirect,
        "state_affiliated_entities": sorted({o[0] for o in OUTLETS if o[2] == "true"} |
                                            {o[0] for o in ORGANIZATIONS if o[2] == "true"}),
        "background_accounts": roles["background"],
        "account_roles": dict(sorted(account_roles.items())),
        "article_roles": dict(sorted(article_roles.items())),
        "events": {i: dict(name=n, kind=k, at=a) for i, n, k, a in EVENTS},
        "timeline": [dict(at=case.articles[a]["published_at"], article=a, publisher=case.publisher[a])
                     for a in sorted(article_roles["hill_times"] + article_roles["original"] + article_roles["echo"] +
                                     article_roles["copy"], key=lambda x: (case.articles[x]["published_at"], x))],
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
