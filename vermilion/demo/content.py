"""The words of the demo: people, and note texts per interest in Chinese and English.

Notes are composed from per-interest templates (titles, openers, tips, hashtags) whose
``{slots}`` are filled once per note, so a title and its body talk about the same dish, city
or gadget. Everything is drawn from the ``random.Random`` passed in: the same seed gives the
same words. ``compose_note`` keeps titles within the 20-character limit of notes.services.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

import regex

from vermilion.core.text import grapheme_len, normalize_tag

TITLE_MAX_CHARS = 20  # notes.services.TITLE_MAX_CHARS; the demo must never exceed it
LANGS = ("zh", "en")

# The catalogue (accounts migration 0003): slug -> (English name, Chinese name). Each note
# carries its interest as a hashtag (#美食 / #food), which ties notes to feed channels.
INTERESTS: dict[str, tuple[str, str]] = {
    "fashion": ("Fashion", "穿搭"),
    "food": ("Food", "美食"),
    "travel": ("Travel", "旅行"),
    "beauty": ("Beauty", "彩妆"),
    "home": ("Home", "家居"),
    "fitness": ("Fitness", "健身"),
    "tech": ("Tech", "数码"),
    "pets": ("Pets", "萌宠"),
    "books": ("Books", "读书"),
    "music": ("Music", "音乐"),
    "movies": ("Movies", "影视"),
    "career": ("Career", "职场"),
    "study": ("Study", "学习"),
    "photography": ("Photography", "摄影"),
    "art": ("Art", "艺术"),
    "outdoors": ("Outdoors", "户外"),
    "parenting": ("Parenting", "母婴"),
    "gaming": ("Gaming", "游戏"),
}


def interest_tag(slug: str, lang: str) -> str:
    """The hashtag every note of an interest carries: its Chinese name, or its slug."""
    return INTERESTS[slug][1] if lang == "zh" else slug


# --- people ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    bio: str
    region: str
    languages: tuple[str, ...]  # BCP 47 tags they speak
    language: str  # interface language: "zh-hans", "en" or "" (browser)
    interests: tuple[str, ...]
    writes: tuple[str, ...]  # the languages of their notes: "zh", "en"


DEMO_USERNAME = "demo"

PEOPLE: tuple[Person, ...] = (
    Person(
        "demo",
        "Demo 小红",
        "Trying out Vermilion｜吃喝玩乐都记录一下 📍上海",
        "上海",
        ("zh-Hans", "en"),
        "",
        ("food", "travel", "photography", "fashion", "books"),
        ("zh", "en"),
    ),
    Person(
        "chengdu_foodie",
        "成都吃货阿May",
        "只吃不胖的梦想家｜成都苍蝇馆子收藏家",
        "四川 成都",
        ("zh-Hans",),
        "zh-hans",
        ("food", "travel"),
        ("zh",),
    ),
    Person(
        "emma_bakes",
        "Emma Bakes",
        "Sourdough, cinnamon buns and too many cookbooks. London.",
        "London, UK",
        ("en",),
        "en",
        ("food", "home"),
        ("en",),
    ),
    Person(
        "lin_xiaoyu",
        "林小雨",
        "158小个子穿搭｜温柔系｜每周更新",
        "浙江 杭州",
        ("zh-Hans",),
        "zh-hans",
        ("fashion", "beauty", "home"),
        ("zh",),
    ),
    Person(
        "alex_runs",
        "Alex Runs Far",
        "Marathoner in training. Coffee, trails, bad puns.",
        "Boston, USA",
        ("en",),
        "en",
        ("fitness", "outdoors"),
        ("en",),
    ),
    Person(
        "momo_travels",
        "默默去旅行",
        "辞职旅行第二年｜慢慢走，慢慢看",
        "云南 大理",
        ("zh-Hans",),
        "zh-hans",
        ("travel", "photography", "outdoors"),
        ("zh",),
    ),
    Person(
        "nomad_nina",
        "Nina the Nomad",
        "Remote designer, 31 countries and counting.",
        "Lisbon, Portugal",
        ("en", "pt"),
        "en",
        ("travel", "photography", "career"),
        ("en",),
    ),
    Person(
        "chen_runs",
        "陈跑跑",
        "跑步五年｜全马PB 3:29｜周末在奥森",
        "北京",
        ("zh-Hans",),
        "zh-hans",
        ("fitness", "outdoors", "music"),
        ("zh",),
    ),
    Person(
        "dev_sam",
        "Sam writes code",
        "Backend engineer. Mechanical keyboards. Occasional game jams.",
        "San Francisco, USA",
        ("en",),
        "en",
        ("tech", "career", "gaming"),
        ("en",),
    ),
    Person(
        "techgeek_wang",
        "数码老王",
        "真实测评，不恰饭｜桌面改造爱好者",
        "广东 深圳",
        ("zh-Hans",),
        "zh-hans",
        ("tech", "gaming"),
        ("zh",),
    ),
    Person(
        "olivia_reads",
        "Olivia Reads",
        "One book a week. Mysteries, memoirs, and library hauls.",
        "Toronto, Canada",
        ("en", "fr"),
        "en",
        ("books", "study", "movies"),
        ("en",),
    ),
    Person(
        "mia_cats",
        "猫奴米娅",
        "两只猫的铲屎官｜煤球和年糕的日常",
        "上海",
        ("zh-Hans",),
        "zh-hans",
        ("pets", "home"),
        ("zh",),
    ),
    Person(
        "plant_dad_leo",
        "Leo & his plants",
        "47 houseplants, 1 dog, 0 regrets.",
        "Melbourne, Australia",
        ("en",),
        "en",
        ("home", "outdoors", "pets"),
        ("en",),
    ),
    Person(
        "reading_lulu",
        "读书的露露",
        "一年读书100本挑战中｜书单分享",
        "江苏 南京",
        ("zh-Hans",),
        "zh-hans",
        ("books", "study", "career"),
        ("zh",),
    ),
    Person(
        "studywithzoe",
        "Zoe学姐",
        "考研上岸｜英语学习方法｜Study with me",
        "北京",
        ("zh-Hans", "en"),
        "zh-hans",
        ("study", "career", "books"),
        ("zh", "en"),
    ),
    Person(
        "sophie_style",
        "Sophie Style Notes",
        "Capsule wardrobes and thrift finds. Less, but better.",
        "Paris, France",
        ("en", "fr"),
        "en",
        ("fashion", "beauty", "art"),
        ("en",),
    ),
    Person(
        "jiang_photo",
        "江南摄影",
        "用镜头记录江南的四季｜胶片爱好者",
        "江苏 苏州",
        ("zh-Hans",),
        "zh-hans",
        ("photography", "travel", "art"),
        ("zh",),
    ),
    Person(
        "daniel_lens",
        "Daniel through the lens",
        "Landscape and street photography. Always chasing blue hour.",
        "Vancouver, Canada",
        ("en",),
        "en",
        ("photography", "art", "outdoors"),
        ("en",),
    ),
    Person(
        "xiamen_sea",
        "厦门海边住",
        "在海边租了个小房子｜家居改造｜冲浪新手",
        "福建 厦门",
        ("zh-Hans",),
        "zh-hans",
        ("home", "travel", "outdoors"),
        ("zh",),
    ),
    Person(
        "mei_in_sg",
        "Mei 在新加坡",
        "新加坡打工人 & 两岁宝宝的妈｜中英双语",
        "Singapore",
        ("zh-Hans", "en", "ms"),
        "",
        ("food", "career", "parenting"),
        ("zh", "en"),
    ),
    Person(
        "mama_tangtang",
        "糖糖妈妈",
        "三岁女儿的妈妈｜辅食 & 绘本分享",
        "广东 广州",
        ("zh-Hans", "yue"),
        "zh-hans",
        ("parenting", "food", "home"),
        ("zh",),
    ),
    Person(
        "jamie_plays",
        "Jamie Plays",
        "Cozy games, indie gems, and the occasional speedrun.",
        "Seattle, USA",
        ("en",),
        "en",
        ("gaming", "music", "movies"),
        ("en",),
    ),
    Person(
        "indie_music_kai",
        "凯的耳机",
        "独立音乐 & Livehouse｜每周五更新歌单",
        "重庆",
        ("zh-Hans",),
        "zh-hans",
        ("music", "movies"),
        ("zh",),
    ),
    Person(
        "hannah_hikes",
        "Hannah Hikes",
        "14ers, trail dogs and camp coffee.",
        "Denver, USA",
        ("en",),
        "en",
        ("outdoors", "fitness", "pets"),
        ("en",),
    ),
    Person(
        "film_diary_su",
        "苏的观影日记",
        "一年看片300部｜冷门佳片挖掘机",
        "陕西 西安",
        ("zh-Hans",),
        "zh-hans",
        ("movies", "books", "art"),
        ("zh",),
    ),
    Person(
        "grace_learns_zh",
        "Grace 学中文",
        "Learning Mandarin, one dumpling at a time. 我在学中文！",
        "New York, USA",
        ("en", "zh-Hans"),
        "en",
        ("study", "travel", "food"),
        ("en",),
    ),
    Person(
        "gamer_ah_jie",
        "阿杰打游戏",
        "独立游戏爱好者｜周末开黑｜不氪金",
        "湖南 长沙",
        ("zh-Hans",),
        "zh-hans",
        ("gaming", "tech"),
        ("zh",),
    ),
    Person(
        "tom_dad",
        "Tom (dad of two)",
        "Two kids, one dog, many picture books. Manchester.",
        "Manchester, UK",
        ("en",),
        "en",
        ("parenting", "home", "career"),
        ("en",),
    ),
    Person(
        "beauty_lab_yy",
        "颜研所YY",
        "成分党｜敏感肌｜只分享自己用空的",
        "四川 成都",
        ("zh-Hans",),
        "zh-hans",
        ("beauty", "fashion"),
        ("zh",),
    ),
    Person(
        "hk_wanderer",
        "Wing 在香港",
        "Hong Kong local. Hiking trails, cha chaan tengs, city lights.",
        "香港",
        ("zh-Hant", "yue", "en"),
        "en",
        ("travel", "food", "photography"),
        ("en", "zh"),
    ),
)


# --- note texts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    """One interest's texts in one language. Templates share the note's slot values.

    A slot named ``a__b`` fills ``{a}`` and ``{b}`` together from values written ``"x/y"``
    (a city and its own dish), so a note never sends Changsha's snack to Xi'an.
    """

    titles: tuple[str, ...]
    openers: tuple[str, ...]
    tips: tuple[str, ...]
    tags: tuple[str, ...]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _v(titles, openers, tips, tags, **slots) -> Voice:
    return Voice(
        tuple(titles),
        tuple(openers),
        tuple(tips),
        tuple(tags.split()),
        {k: tuple(v.split("|")) for k, v in slots.items()},
    )


TOPICS: dict[str, dict[str, Voice]] = {
    "food": {
        "zh": _v(
            [
                "{city}本地人私藏的{dish}",
                "人均30吃到撑｜{city}",
                "在家复刻{dish}，零失败",
                "{city}美食地图｜建议收藏",
                "这家{dish}我能连吃一周",
                "一个人的{city}吃饭日记",
            ],
            [
                "周末去了{shop}，{dish}真的绝了，味道正宗分量又足，老板还送了一碗冰粉。",
                "来{city}三天，每天都在吃吃吃。最推荐的还是{dish}，排队二十分钟也值得。",
                "照着奶奶的做法在家做了{dish}，步骤其实不难，关键是火候和耐心。",
                "下班路过{shop}，随手点了一份{dish}，没想到成了这个月吃过最好吃的一顿。",
                "朋友来{city}找我玩，带她吃了{dish}，她说要为这一口专门再来一次。",
            ],
            [
                "小tips：工作日下午去基本不用排队。",
                "两个人点三样刚刚好，别贪多～",
                "记得备注少辣，本地的微辣也很辣！",
                "老板说周一休息，去之前最好先打个电话。",
                "价格很亲民，人均不到40。",
            ],
            "{city}美食 探店 美食日记 吃货日常 一人食 家常菜",
            city__dish="成都/钵钵鸡|成都/冒菜|成都/肥肠粉|重庆/酸辣粉|长沙/糖油粑粑|西安/肉夹馍|"
            "广州/烧鹅饭|厦门/沙茶面",
            shop="巷子里的老店|开了二十年的苍蝇馆子|本地人排队的小店|菜市场旁边的小摊",
        ),
        "en": _v(
            [
                "Cheap eats: {city}",
                "{dish} at home",
                "The best {dish}?",
                "Sunday {dish} ritual",
                "{city} food crawl",
                "Finally nailed {dish}",
            ],
            [
                "Tried the {dish} everyone keeps talking about in {city}. Worth the queue: "
                "crisp edges, rich flavour and the friendliest staff.",
                "Made {dish} from scratch this weekend. It took three attempts, but the last "
                "batch was exactly what I wanted.",
                "A rainy evening in {city} calls for something warm. Tonight it was {dish} at "
                "a tiny place near the station.",
                "My flatmate challenged me to cook {dish} for eight people. We survived, and "
                "there were no leftovers.",
            ],
            [
                "Tip: go before noon and you'll skip the line.",
                "Use less salt than you think; you can always add more at the end.",
                "Cash only, so bring a few notes.",
                "Recipe in the comments if anyone wants it!",
                "Budget: about 15 for a full meal, drinks included.",
            ],
            "foodie {city}eats homecooking recipe eatlocal weekendcooking",
            city="London|Lisbon|Taipei|Toronto|Melbourne|Singapore",
            dish="ramen|laksa|dumplings|sourdough|banana bread|shakshuka|bao|tacos",
        ),
    },
    "travel": {
        "zh": _v(
            [
                "{city}{days}攻略",
                "{vibe}{city}｜不赶路的旅行",
                "第一次去{city}，必看！",
                "在{city}住了一周民宿",
                "{city}拍照机位合集",
            ],
            [
                "这次{city}{days}，完全没做攻略，走到哪儿算哪儿，反而遇到了很多惊喜。",
                "一直想去{city}，终于趁假期出发了。早上看日出，下午找个小店发呆，晚上逛夜市。",
                "给大家整理了{city}的路线：第一天老城区，第二天周边骑行，最后一天留给美食。",
                "住的民宿有一个能看到整片天空的露台，老板娘每天早上都会做当地的早餐。",
            ],
            [
                "交通：高铁直达，市内打车很方便。",
                "预算：人均1500左右，住宿占一半。",
                "避开周末和节假日，人会少很多。",
                "记得带防晒和一件薄外套，早晚温差大。",
            ],
            "{city}旅行 旅行攻略 周末去哪儿 小众旅行地 旅行vlog",
            city="大理|厦门|青岛|桂林|敦煌|苏州|西双版纳",
            days="三天两晚|五天四晚|一日游",
            vibe="慢节奏|小众|治愈系",
        ),
        "en": _v(
            [
                "{days} in {city}",
                "{city} on a budget",
                "Slow travel: {city}",
                "{city}, unfiltered",
                "Where to stay: {city}",
            ],
            [
                "Spent {days} in {city} with no real plan, and it was the best decision. "
                "Mornings at the market, afternoons getting lost in side streets.",
                "{city} surprised me. Everyone talks about the big sights, but the quiet "
                "neighbourhoods were the highlight.",
                "Here's my route for {city}: old town first, a day trip by train, and a whole "
                "evening just for street food.",
                "Travelling solo in {city} felt easy and safe. Locals were kind even when my "
                "phrasebook failed me.",
            ],
            [
                "Getting around: buy a transit card on day one.",
                "Budget: roughly 80 a day including a private room.",
                "Go in shoulder season and you'll avoid the crowds.",
                "Pack layers, the evenings get chilly.",
            ],
            "{city}travel solotravel travelguide slowtravel wanderlust",
            city="Lisbon|Kyoto|Hanoi|Porto|Seoul|Taipei|Chiang Mai",
            days="3 days|48 hours|a week",
        ),
    },
    "fashion": {
        "zh": _v(
            [
                "{season}{item}这样穿超显瘦",
                "一衣多穿｜{color}{item}",
                "小个子{season}穿搭公式",
                "{color}也太温柔了吧",
                "通勤穿搭一周不重样",
            ],
            [
                "最近太爱这件{color}{item}了，搭配简单的白T和牛仔裤就很好看，周末出门随便一穿"
                "就很有气质。",
                "{season}穿搭分享：{item}+同色系内搭，整体很干净，身高158也完全不压个子。",
                "入了一件{item}，面料比想象中好，版型挺括，洗了两次也没有变形。",
                "整理了一周的通勤穿搭，主打{color}，舒服又不失精致。",
            ],
            [
                "身高158，体重45，穿S码刚好。",
                "配饰选金色系，整体会更亮。",
                "腰带是灵魂，记得把腰线提高一点。",
                "同色系叠穿，最不容易出错。",
            ],
            "每日穿搭 {season}穿搭 小个子穿搭 通勤穿搭 ootd",
            item="风衣|针织开衫|阔腿裤|小白鞋|衬衫裙|西装外套",
            color="燕麦色|雾霾蓝|奶油白|焦糖色|橄榄绿",
            season="早春|初秋|冬日|夏日",
        ),
        "en": _v(
            [
                "One {item}, 5 ways",
                "Capsule wardrobe",
                "{color} everything",
                "Office looks, week 2",
                "Thrifted {item}",
            ],
            [
                "Styling the same {color} {item} five ways this week. Proof that you don't need a "
                "huge wardrobe to feel put together.",
                "Found this {item} at a vintage market for almost nothing. A quick tailor visit "
                "and it fits like it was made for me.",
                "My rule for work outfits: one statement piece, everything else neutral. This "
                "week the star is a {color} {item}.",
                "Building a capsule wardrobe slowly. The {item} is the piece I reach for most.",
            ],
            [
                "Sizing: I'm 5'5\" and wearing a small.",
                "Roll the sleeves once, it instantly looks more relaxed.",
                "Neutral shoes make every outfit easier.",
                "Steam, don't iron, and it lasts longer.",
            ],
            "ootd style capsulewardrobe outfitideas thrifted minimalstyle",
            item="trench coat|cardigan|blazer|loafers|linen shirt|wide-leg jeans",
            color="oat|navy|cream|olive|camel",
        ),
    },
    "beauty": {
        "zh": _v(
            [
                "{skin}亲测好用的{product}",
                "{shade}试色｜黄皮友好",
                "五分钟出门妆教程",
                "空瓶记录｜{product}篇",
                "平价{product}红黑榜",
            ],
            [
                "作为{skin}，试了不下十款{product}，这一款是真的会回购的。质地轻薄，上脸很服帖。",
                "今天分享一个五分钟的日常妆，重点是{shade}的腮红和唇色，整个人气色一下就出来了。",
                "空瓶了三支{product}，来做个总结：哪些值得买，哪些可以避雷。",
                "最近在用的{shade}系列，适合黄一白和黄二白，素颜涂也很自然。",
            ],
            [
                "上妆前一定要做好保湿。",
                "用手指点涂比刷子更自然。",
                "敏感肌记得先在耳后试用。",
                "定妆喷雾很关键，不然容易脱妆。",
            ],
            "美妆分享 {skin}护肤 日常妆 口红试色 空瓶记录",
            product="口红|粉底液|眼影盘|腮红|防晒|卸妆油",
            shade="豆沙色|蜜桃色|玫瑰色|奶茶色",
            skin="混油皮|干皮|敏感肌",
        ),
        "en": _v(
            [
                "5-minute makeup",
                "{product} for {skin}",
                "Empties: {product}",
                "{shade} swatches",
                "Skincare that works",
            ],
            [
                "Five-minute everyday look: skin tint, a swipe of {shade} blush and a tinted "
                "balm. Done before the kettle boils.",
                "I have {skin} skin and I've tested a lot of {product}. This is the one I keep "
                "repurchasing.",
                "Empties time! Three {product}s finished this month; here's what I'd buy again "
                "and what I wouldn't.",
                "Swatching my favourite {shade} shades in daylight, no filter.",
            ],
            [
                "Always patch test first.",
                "Sunscreen is the last step of skincare, every day.",
                "Tap it in with fingers for a natural finish.",
                "Less is more with blush: build it up slowly.",
            ],
            "makeup skincare beautytips swatches {skin}skin",
            product="lipstick|skin tint|blush|sunscreen|mascara",
            shade="rosy nude|peach|berry|terracotta",
            skin="oily|dry|sensitive",
        ),
    },
    "home": {
        "zh": _v(
            [
                "{size}出租屋改造｜{style}",
                "{room}改造前后对比",
                "{style}{room}，住进来就不想走",
                "平价好物让{room}变高级",
                "小户型收纳的十个技巧",
            ],
            [
                "花了不到三千块把{size}的出租屋改成了{style}，最满意的是{room}，阳光好的下午特别"
                "舒服。",
                "{room}终于改造完成！换了窗帘和灯，加了两盆绿植，整个空间都温柔了。",
                "分享几个让{room}看起来更大的小技巧：浅色墙面、落地镜、少而精的家具。",
                "周末在家大扫除，顺便重新布置了{room}，{style}真的百看不厌。",
            ],
            [
                "窗帘选落地款，层高瞬间拉高。",
                "暖光灯泡3000K最舒服。",
                "收纳盒统一颜色，看起来会整齐很多。",
                "绿植推荐龟背竹和琴叶榕，好养活。",
            ],
            "出租屋改造 {style} 小户型 收纳 家居好物",
            room="客厅|卧室|阳台|书房|厨房",
            size="40平|55平|70平",
            style="原木风|奶油风|复古风|极简风",
        ),
        "en": _v(
            [
                "Rental makeover",
                "{room} before/after",
                "Tiny flat, big ideas",
                "A {style} corner",
                "Plants I can't kill",
            ],
            [
                "Renter-friendly {room} makeover: no drilling, no painting, just textiles, "
                "lamps and a lot of plants.",
                "Our {room} finally feels finished. Went for a {style} look with warm wood and "
                "soft light.",
                "Small-space tip: mirrors, one rug that's bigger than you think, and furniture on "
                "legs.",
                "Slow Sunday spent rearranging the {room}. Sometimes moving one chair changes "
                "everything.",
            ],
            [
                "Warm bulbs (2700K) make any room cosier.",
                "Hang curtains higher than the window frame.",
                "Second-hand furniture is your friend.",
                "Group plants in odd numbers.",
            ],
            "homedecor rentalmakeover {style} smallspaces houseplants interiors",
            room="living room|bedroom|balcony|kitchen|home office",
            style="Japandi|cosy|mid-century|minimalist",
        ),
    },
    "fitness": {
        "zh": _v(
            [
                "坚持{sport}{weeks}的变化",
                "新手{sport}计划｜附动作",
                "第一次跑完{km}！",
                "在家练｜二十分钟燃脂",
                "{sport}打卡第30天",
            ],
            [
                "坚持{sport}{weeks}，体重没怎么变，但是体态和精神状态好了太多，爬楼梯再也不喘了。",
                "给新手整理了一份{sport}计划，每周三次，每次四十分钟，循序渐进不容易受伤。",
                "今天第一次跑完{km}，配速不快，但一步都没停，冲线的时候差点哭出来。",
                "下班太累不想出门，就在家跟着练二十分钟，出一身汗整个人都轻松了。",
            ],
            [
                "热身和拉伸千万别省。",
                "记得多喝水，运动后补充蛋白质。",
                "先保证动作标准，再加重量。",
                "一双合适的鞋真的很重要。",
            ],
            "{sport} 健身打卡 减脂 自律 运动日常",
            sport="跑步|普拉提|力量训练|跳绳|瑜伽|游泳",
            weeks="四周|八周|三个月",
            km="5公里|10公里|半马",
        ),
        "en": _v(
            [
                "First {km} done!",
                "{weeks} of {sport}",
                "20-min home workout",
                "Beginner {sport} plan",
                "Rest days matter",
            ],
            [
                "{weeks} of {sport} later: not a dramatic before/after, but I sleep better and "
                "my back stopped hurting.",
                "Finished my first {km} this morning. Slow and steady, no walking breaks, massive "
                "grin at the finish.",
                "Here's the beginner {sport} plan I wish I'd had: three sessions a week, one "
                "long, one easy, one fun.",
                "No gym, no problem: twenty minutes, a mat and one kettlebell.",
            ],
            [
                "Warm up for at least ten minutes.",
                "Protein and sleep do half the work.",
                "Form first, weight second.",
                "Track progress, not perfection.",
            ],
            "{sport} workout fitnessjourney homeworkout",
            sport="running|pilates|lifting|cycling|yoga|swimming",
            weeks="4 weeks|8 weeks|3 months",
            km="5K|10K|half marathon",
        ),
    },
    "tech": {
        "zh": _v(
            [
                "用了{months}的{gadget}真实感受",
                "桌面改造｜打工人的快乐",
                "{gadget}怎么选？看这篇",
                "五个提升效率的小工具",
                "学生党{gadget}推荐",
            ],
            [
                "{gadget}用了{months}，说说真实体验：续航满意，做工扎实，但价格确实不便宜。",
                "终于把桌面改造完成了，换了{gadget}和一盏屏幕挂灯，每天上班的心情都变好了。",
                "很多人问{gadget}怎么选，我总结了三个关键点：预算、使用场景和生态。",
                "分享几个我每天都在用的效率工具，用好了每天能省出一个小时。",
            ],
            [
                "预算有限可以看看上一代，性价比很高。",
                "买之前一定去线下店试一试。",
                "记得开启自动备份！",
                "线材收纳做好，桌面立刻清爽。",
            ],
            "桌面改造 {gadget} 效率工具 数码好物 开箱",
            gadget="降噪耳机|机械键盘|平板|智能手表|显示器|电子书阅读器",
            months="一个月|半年|一年",
        ),
        "en": _v(
            [
                "Desk setup v3",
                "{gadget} review",
                "My dev setup",
                "Apps I use daily",
                "{gadget}: worth it?",
            ],
            [
                "Been using this {gadget} for {months}. Honest take: great battery, solid build, "
                "a little overpriced.",
                "Desk setup, version three: a new {gadget}, a monitor light and finally some "
                "cable management.",
                "How I'd pick a {gadget}: decide your budget, think about where you'll use it, "
                "then check repairability.",
                "Five small apps that quietly save me an hour a day.",
            ],
            [
                "Last year's model is often the best value.",
                "Check the return policy before you buy.",
                "Turn on automatic backups. Today.",
                "Velcro ties fix 90% of cable chaos.",
            ],
            "desksetup gadgets productivity {gadget} review",
            gadget="headphones|keyboard|tablet|smartwatch|monitor|e-reader",
            months="a month|6 months|a year",
        ),
    },
    "pets": {
        "zh": _v(
            [
                "我家{pet}{name}的一天",
                "{name}{age}啦！",
                "新手养{pet}必看清单",
                "被{pet}治愈的瞬间",
                "{name}又在拆家了",
            ],
            [
                "介绍一下我家的{pet}{name}，{age}，性格超级黏人，每天下班都在门口等我。",
                "{name}今天{age}啦，给它做了一个小蛋糕，结果它只对蜡烛感兴趣😂",
                "第一次养{pet}的朋友看过来，整理了一份必备清单和踩过的坑。",
                "今天回家发现{name}把纸巾全撕了，看着它无辜的眼神，完全生不起气。",
            ],
            [
                "定期驱虫和体检真的很重要。",
                "猫砂推荐混合砂，除臭又不粘底。",
                "遛狗记得牵绳，也别忘了拾便袋。",
                "零食要控制，别让它变成小胖子。",
            ],
            "{pet} 猫咪日常 狗狗日常 铲屎官 宠物日常",
            pet="橘猫|布偶猫|柯基|柴犬|金毛|仓鼠",
            name="煤球|年糕|豆包|可乐|芝麻",
            age="三个月|一岁|五岁",
        ),
        "en": _v(
            [
                "{name} turns {age}!",
                "Meet {name}",
                "A day with {name}",
                "New {pet} checklist",
                "{name} vs. the vacuum",
            ],
            [
                "Meet {name}, our {pet}. Professional napper, part-time sock thief, full-time "
                "love.",
                "{name} turns {age} today! We made a tiny pet-safe cake; the candle was more "
                "interesting, apparently.",
                "First week with a {pet}: here's everything we bought, and the three things we "
                "actually needed.",
                "Came home to find {name} had redecorated with the toilet paper. Zero regrets on "
                "their side.",
            ],
            [
                "Adopt, don't shop, if you can.",
                "Regular vet checks save money in the long run.",
                "Puzzle feeders are great for bored pets.",
                "Always carry poop bags. Always.",
            ],
            "{pet} adoptdontshop doglife catlife petsofvermilion",
            pet="tabby|golden retriever|corgi|rescue cat|beagle|bunny",
            name="Biscuit|Mochi|Pepper|Noodle|Maple",
            age="one|two|five",
        ),
    },
    "books": {
        "zh": _v(
            [
                "{month}读书总结｜{count}",
                "适合{season}读的{genre}",
                "一口气读完的{genre}推荐",
                "读书笔记｜慢慢来比较快",
                "让我熬夜读完的一本书",
            ],
            [
                "{month}一共读了{count}书，最喜欢的是一本{genre}，合上书的那一刻安静了很久。",
                "给大家推荐几本适合{season}读的{genre}，文字很温柔，适合睡前慢慢看。",
                "这本{genre}我一口气读到凌晨两点，结局完全没猜到。",
                "坚持每天读三十分钟，一年下来竟然读了四十多本。分享一下我的读书方法。",
            ],
            [
                "纸质书和电子书交替着读，效率更高。",
                "读完写三句话的笔记，记得更牢。",
                "书单放在评论区啦。",
                "图书馆借书，省钱又环保。",
            ],
            "读书笔记 书单推荐 {genre} 阅读打卡",
            genre="小说|散文|推理小说|科幻|历史",
            count="五本|十本|三本",
            season="春天|夏天|秋天|冬天",
            month="一月|三月|九月|十一月",
        ),
        "en": _v(
            [
                "{month} wrap-up",
                "Cosy {genre}",
                "Read in one sitting",
                "{count} I loved",
                "My reading system",
            ],
            [
                "Read {count} in {month}. The standout was a quiet little book that I keep "
                "thinking about days later.",
                "If you want {genre} that feel like a warm blanket, here are my favourites.",
                "Stayed up until 2am finishing this one. Did not see that ending coming.",
                "How I read 40 books a year without trying: audiobooks on walks, a book in every "
                "bag, no guilt about quitting.",
            ],
            [
                "Library apps are underrated.",
                "Keep a one-line journal for every book.",
                "Full list in the comments.",
                "Quit books you don't enjoy, life is short.",
            ],
            "bookstagram readinglist {genre} booklover",
            genre="novels|memoirs|mysteries|sci-fi|essays",
            count="5 books|8 books|3 books",
            month="January|March|September|November",
        ),
    },
    "music": {
        "zh": _v(
            [
                "最近单曲循环的{genre}",
                "学{inst}第100天",
                "第一次去{venue}！",
                "适合下雨天听的歌单",
                "通勤路上的{genre}歌单",
            ],
            [
                "整理了一份最近单曲循环的{genre}歌单，适合一个人的夜晚，也适合在路上听。",
                "学{inst}一百天了，从按不住和弦到能弹完一首完整的歌，录个视频纪念一下。",
                "第一次去{venue}，站在人群里跟着大合唱，那一刻觉得所有的不开心都不算什么。",
                "下雨天就适合窝在家里听{genre}，配一杯热可可。",
            ],
            [
                "歌单放评论区了，欢迎交换歌单！",
                "新手每天练二十分钟就够了。",
                "耳塞记得带，保护听力。",
                "推荐用耳机听，细节更多。",
            ],
            "歌单分享 {genre} 学{inst} 音乐现场",
            genre="民谣|爵士|独立摇滚|古典|电子",
            inst="吉他|尤克里里|钢琴",
            venue="Livehouse|音乐节",
        ),
        "en": _v(
            [
                "Rainy day playlist",
                "Day 100 of {inst}",
                "My first {venue}!",
                "{genre} for focus",
                "Songs on repeat",
            ],
            [
                "Made a {genre} playlist for slow mornings and late trains. Sharing because good "
                "music should be passed around.",
                "100 days of learning {inst}. From buzzing strings to playing a whole song for my "
                "friends.",
                "My first {venue} in years and I forgot how good live music feels in your chest.",
                "Current rotation: mostly {genre}, a little nostalgia, zero skips.",
            ],
            [
                "Playlist link in the comments.",
                "Twenty minutes of practice a day beats two hours on Sunday.",
                "Bring earplugs to gigs, your future self will thank you.",
                "Headphones on for this one.",
            ],
            "playlist {genre} learning{inst} livemusic",
            genre="jazz|lo-fi|indie|folk|classical",
            inst="guitar|piano|ukulele",
            venue="gig|festival",
        ),
    },
    "movies": {
        "zh": _v(
            [
                "{count}{mood}{genre}推荐",
                "周末宅家看什么？",
                "二刷依然泪目的电影",
                "今年最爱的{genre}",
                "{mood}片单｜建议收藏",
            ],
            [
                "整理了{count}{mood}{genre}，每一部都值得反复看，适合周末窝在沙发上。",
                "二刷了这部电影，第一次只看懂了故事，第二次看懂了细节，后劲太大了。",
                "今年看过最喜欢的一部{genre}，画面每一帧都可以当壁纸。",
                "不剧透地说：开头慢热，后半段完全停不下来。",
            ],
            [
                "建议找个安静的晚上一口气看完。",
                "配上爆米花和一杯奶茶刚刚好。",
                "片单放评论区～",
                "不要看预告片，直接看正片！",
            ],
            "电影推荐 {genre} 片单 观影日记",
            genre="纪录片|动画电影|悬疑剧|老电影|文艺片",
            count="五部|十部|三部",
            mood="治愈|高分|冷门",
        ),
        "en": _v(
            [
                "{count} {mood} films",
                "Movie night picks",
                "Worth a rewatch",
                "Weekend watchlist",
                "Hidden {genre}",
            ],
            [
                "{count} {mood} {genre} for a cosy weekend. No doom, just good stories.",
                "Rewatched this one and caught so many details I missed the first time.",
                "Every frame of this film could be a poster. Go in knowing nothing.",
                "Slow first half, then I couldn't look away. No spoilers, promise.",
            ],
            [
                "Watch it in one sitting with the lights off.",
                "Skip the trailer!",
                "Full list in the comments.",
                "Subtitles on, always.",
            ],
            "watchlist {genre} filmrecommendations movienight",
            genre="documentaries|animation|thrillers|classics|indie films",
            count="5|10|3",
            mood="comfort|underrated|feel-good",
        ),
    },
    "career": {
        "zh": _v(
            [
                "{job}工作{years}的感悟",
                "裸辞后的第30天",
                "面试{job}的经验分享",
                "在{city}打工的一天",
                "提升效率的工作习惯",
            ],
            [
                "做{job}{years}，最大的感受是：沟通比技术更重要，学会说不也很重要。",
                "分享一下最近面试{job}的经验，一共面了五家，拿到了两个offer。",
                "在{city}做{job}的一天：九点到公司，十点开会，下午专注做事，七点准时下班。",
                "工作{years}，整理了几个让我效率翻倍的习惯，第一个就是每天早上先做最难的事。",
            ],
            [
                "简历控制在一页以内。",
                "面试前一定要研究公司的产品。",
                "每周给自己留半天不开会的时间。",
                "记得定期复盘，写下来。",
            ],
            "职场干货 {job} 打工人 面试经验 {city}打工",
            job="产品经理|设计师|程序员|运营|律师",
            years="三年|五年|十年",
            city="上海|深圳|北京|杭州",
        ),
        "en": _v(
            [
                "{years} as a {job}",
                "CV tips that work",
                "A day in {city}",
                "I quit my job",
                "Interview prep tips",
            ],
            [
                "{years} as a {job} taught me that communication beats raw skill, and that "
                "saying no is a skill too.",
                "Interview season recap: five companies, two offers, one very long spreadsheet.",
                "A day in my life as a {job} in {city}: deep work in the morning, meetings after "
                "lunch, offline by six.",
                "I quit my job last month with no plan. Here's what the first 30 days actually "
                "looked like.",
            ],
            [
                "Keep your CV to one page.",
                "Block two hours of no-meeting time every day.",
                "Write down your wins every Friday.",
                "Ask for feedback, not approval.",
            ],
            "careertips {job}life worklife jobsearch",
            job="designer|engineer|PM|marketer|teacher",
            years="3 years|5 years|10 years",
            city="London|NYC|Berlin|Singapore",
        ),
    },
    "study": {
        "zh": _v(
            [
                "{exam}上岸经验分享",
                "自习{hours}的一天",
                "{subj}学习方法｜亲测有效",
                "我的手帐学习计划",
                "图书馆学习vlog",
            ],
            [
                "{exam}终于上岸了！分享一下这一年的复习节奏和踩过的坑，希望对大家有帮助。",
                "记录一下在图书馆自习{hours}的一天，番茄钟真的很好用。",
                "{subj}一直是我的弱项，后来用了这个方法，三个月提高了二十分。",
                "每天早上用十分钟做计划，晚上用十分钟复盘，坚持下来效率高了很多。",
            ],
            [
                "番茄钟：学25分钟，休息5分钟。",
                "错题本一定要定期回顾。",
                "早睡早起，比熬夜效率高多了。",
                "找个学习搭子互相监督。",
            ],
            "{exam} 学习方法 自律 学习打卡 图书馆",
            exam="考研|雅思|四六级|考公|CPA",
            subj="英语|数学|日语",
            hours="8小时|10小时",
        ),
        "en": _v(
            [
                "Study with me",
                "How I passed {exam}",
                "{subj}, day 90",
                "My notes system",
                "Exam season survival",
            ],
            [
                "Passed {exam}! Here's the study rhythm that worked for me, and the mistakes I'd "
                "avoid.",
                "Library day: {hours} of focused study, a lot of tea, and one very long walk.",
                "90 days of learning {subj} with 20 minutes a day. Small steps, but they add up.",
                "My note-taking system in one picture: questions on the left, answers on the "
                "right, a summary at the bottom.",
            ],
            [
                "Pomodoro: 25 minutes on, 5 off.",
                "Sleep is part of studying.",
                "Teach it to someone to really learn it.",
                "Review your mistakes every week.",
            ],
            "studygram studywithme {exam}prep learning{subj} studytips",
            exam="IELTS|finals|HSK 3|the bar",
            subj="Chinese|calculus|Spanish",
            hours="6 hours|8 hours",
        ),
    },
    "photography": {
        "zh": _v(
            [
                "{city}{time}｜随手拍",
                "{cam}也能拍出大片感",
                "一组{time}的{city}",
                "拍照构图的五个小技巧",
                "胶片里的夏天",
            ],
            [
                "{time}的{city}太美了，站在街角等了半个小时，终于等到最好的光线。",
                "很多人问这些照片用什么拍的，其实就是{cam}，重要的是光线和构图。",
                "整理了这个月在{city}拍的照片，{time}是我最喜欢的时段。",
                "分享五个构图小技巧：三分法、引导线、框架、留白、对称。",
            ],
            [
                "参数：ISO 100，光圈f/2.8，快门1/250。",
                "后期只调了色温和曝光。",
                "提前半小时就要到位置。",
                "多蹲下来换个角度拍。",
            ],
            "{city}摄影 {cam}摄影 随手拍 构图技巧 光影",
            time="日落|蓝调时刻|清晨|雨天",
            city="上海|苏州|重庆|厦门",
            cam="手机|胶片机|微单",
        ),
        "en": _v(
            [
                "{time} in {city}",
                "Shot on {cam}",
                "5 composition tips",
                "Street photos",
                "Light & shadow",
            ],
            [
                "{time} in {city}. Waited thirty minutes on the same corner for this light and "
                "it was worth every second.",
                "People keep asking what I shoot with. This whole set was on a {cam}; light "
                "matters more than gear.",
                "Five composition tricks I use every day: thirds, leading lines, frames, negative "
                "space, symmetry.",
                "A month of walking around {city} with a camera, condensed into a few frames.",
            ],
            [
                "Settings: ISO 100, f/2.8, 1/250s.",
                "Only adjusted white balance and exposure.",
                "Get there 30 minutes before the light.",
                "Crouch down, change the angle.",
            ],
            "{city}photography streetphotography shotonfilm goldenhour",
            time="Golden hour|Blue hour|First light|Rainy night",
            city="Lisbon|Tokyo|Vancouver|Edinburgh",
            cam="phone|film camera|50mm",
        ),
    },
    "art": {
        "zh": _v(
            [
                "{medium}打卡第{days}天",
                "零基础学{medium}",
                "画了一组{subject}",
                "周末去看展｜推荐",
                "{medium}工具清单",
            ],
            [
                "{medium}打卡{days}天，从歪歪扭扭到能画完整的作品，谢谢一直鼓励我的朋友们。",
                "零基础学{medium}的第一个月，把过程都记录下来了，给想入门的朋友参考。",
                "最近画了一组{subject}，颜色用了低饱和的莫兰迪色。",
                "周末去看了一个很棒的展，每个展厅都可以坐很久。",
            ],
            [
                "新手不用买太贵的材料。",
                "每天画一点，比偶尔画很多有用。",
                "多临摹，再慢慢找自己的风格。",
                "展览工作日去人少，拍照更出片。",
            ],
            "{medium} 绘画日常 看展 手作 插画日常",
            medium="水彩|油画|插画|陶艺|书法",
            days="30|100",
            subject="花|城市|猫咪|静物",
        ),
        "en": _v(
            [
                "Day {days} of {medium}",
                "Sketchbook tour",
                "A {subject} series",
                "Gallery day",
                "Beginner {medium}",
            ],
            [
                "Day {days} of {medium}. From wobbly lines to something I'd actually hang on a "
                "wall.",
                "Beginner {medium} kit: you need far less than the shops want you to think.",
                "Painted a little {subject} series in muted colours this week.",
                "Spent a whole afternoon at a small gallery. Some rooms just make you sit down and "
                "stay.",
            ],
            [
                "Cheap materials are fine for practice.",
                "Ten minutes a day beats three hours once a month.",
                "Copy the masters, then find your own voice.",
                "Weekday mornings are the quietest gallery hours.",
            ],
            "{medium} sketchbook artistsofvermilion illustration gallery",
            medium="watercolour|oil painting|ceramics|linocut|sketching",
            days="30|100",
            subject="flower|city|cat|still life",
        ),
    },
    "outdoors": {
        "zh": _v(
            [
                "{place}{act}｜超详细攻略",
                "第一次{act}就爱上了",
                "周末{act}装备清单",
                "在{place}看了一场日出",
                "城市周边{act}路线推荐",
            ],
            [
                "周末去{place}{act}，全程{km}，累是真的累，但山顶的风景值得一切。",
                "第一次{act}，跟着朋友出发，本来担心体力不行，结果一路都很开心。",
                "整理了一份{act}装备清单，新手照着买不踩雷。",
                "凌晨四点出发，在{place}看到了这辈子最美的日出。",
            ],
            [
                "登山杖和防滑鞋是必备。",
                "出发前看好天气预报。",
                "垃圾一定要带下山。",
                "多带一层保暖衣物。",
            ],
            "{act} {place} 周末去哪儿 户外装备 爬山",
            place="四姑娘山|武功山|莫干山|千岛湖",
            act="徒步|露营|骑行|溯溪",
            km="12公里|20公里",
        ),
        "en": _v(
            [
                "Weekend {act}",
                "Sunrise hike",
                "Gear I actually use",
                "{act} in {place}",
                "First time {act}",
            ],
            [
                "Weekend {act} in {place}: {km}, sore legs, zero regrets. The view from the top "
                "made everyone go quiet.",
                "First time {act} and I'm hooked. Went with friends, carried too many snacks, "
                "would do it again tomorrow.",
                "My {act} kit, trimmed down after three seasons: only the things I actually use.",
                "Alarm at 4am, headlamps on, and then this sunrise over {place}.",
            ],
            [
                "Check the weather twice.",
                "Leave no trace: pack it all out.",
                "Bring one more layer than you think.",
                "Tell someone your route.",
            ],
            "{act} {place} leavenotrace adventure",
            place="the Rockies|Lake District|Blue Mountains|Banff",
            act="hiking|camping|trail running|kayaking",
            km="12 km|20 km",
        ),
    },
    "parenting": {
        "zh": _v(
            [
                "{age}{kid}的{topic}分享",
                "新手妈妈的{topic}经验",
                "带娃出游｜装备清单",
                "{kid}{age}啦，记录一下",
                "亲子周末去哪儿",
            ],
            [
                "{kid}{age}了，分享一下我们家的{topic}经验，希望对新手爸妈有帮助。",
                "带娃出门的装备清单整理好了，这次出游轻松了很多。",
                "最近在给{kid}读绘本，每天睡前二十分钟，是我们最喜欢的亲子时光。",
                "关于{topic}，我们走了不少弯路，总结了几点心得。",
            ],
            [
                "每个孩子节奏不同，别焦虑。",
                "提前准备好备用衣服。",
                "爸爸参与带娃真的很重要。",
                "记得给自己也留一点时间。",
            ],
            "育儿 {topic} 亲子时光 新手妈妈 宝宝日常",
            age="一岁|两岁|三岁|五岁",
            kid="宝宝|女儿|儿子",
            topic="辅食|绘本|早教|睡眠",
        ),
        "en": _v(
            [
                "Toddler travel kit",
                "Our bedtime routine",
                "Books my kids love",
                "Our {kid} turned {age}!",
                "Parenting, honestly",
            ],
            [
                "Our {kid} turned {age} this week. Sharing what's working for us around {topic}, "
                "in case it helps another tired parent.",
                "Packing list for travelling with a toddler, tested on three trips and one very "
                "long train ride.",
                "Twenty minutes of picture books before bed is our favourite part of the day.",
                "We got {topic} wrong for months. Here's what finally helped.",
            ],
            [
                "Every kid has their own pace.",
                "Always pack a spare outfit. For you too.",
                "Take turns: both parents need rest.",
                "Library story time is free and wonderful.",
            ],
            "toddlerlife {topic} familytime parentlife",
            age="1|2|3|5",
            kid="girl|boy|toddler",
            topic="bedtime|first foods|picture books|travel",
        ),
    },
    "gaming": {
        "zh": _v(
            [
                "{hours}通关｜{genre}推荐",
                "宝藏{genre}推荐",
                "{plat}游戏角落改造",
                "周末开黑的快乐",
                "治愈系游戏清单",
            ],
            [
                "花了{hours}通关，这款{genre}的剧情和音乐都太好了，结局直接泪目。",
                "推荐几款小众的{genre}，画风可爱，适合下班后放松。",
                "把{plat}游戏角落改造完成了，灯光一开氛围感拉满。",
                "周末和朋友们开黑到凌晨，输了很多局，但笑了一整晚。",
            ],
            [
                "建议戴耳机玩，音乐太好听了。",
                "打折的时候入手最划算。",
                "注意休息，别玩太久哦。",
                "新手先玩简单难度。",
            ],
            "{genre} 游戏推荐 {plat}游戏 宝藏游戏",
            genre="独立游戏|开放世界|像素游戏|解谜游戏",
            hours="50小时|100小时",
            plat="主机|PC|掌机",
        ),
        "en": _v(
            [
                "Cozy games list",
                "Game night recap",
                "My gaming corner",
                "Hidden gem alert",
                "{plat} setup tour",
            ],
            [
                "{hours} in and I'm still finding secrets. The music alone is worth the price.",
                "A few {genre} for winding down after work: short sessions, lovely art, no stress.",
                "Finally finished my {plat} corner: warm lights, a comfy chair, and a shelf for "
                "the cartridges.",
                "Game night with friends: lost almost every round, laughed the whole time.",
            ],
            [
                "Play with headphones.",
                "Wishlist it and wait for a sale.",
                "Take breaks, stretch your wrists.",
                "Start on easy, no shame.",
            ],
            "{genre} cozygaming gamenight {plat}gaming",
            genre="indie games|cozy games|roguelikes|puzzle games",
            hours="40 hours|100 hours",
            plat="PC|console|handheld",
        ),
    },
}

MENTION_LINES = {
    "zh": ("和 @{u} 一起去的～", "感谢 @{u} 的推荐！", "@{u} 下次一起！"),
    "en": (
        "Thanks @{u} for the recommendation!",
        "Went with @{u}, who planned everything.",
        "@{u} we have to do this again!",
    ),
}

COMMENTS = {
    "zh": (
        "太好看了吧！",
        "求链接～",
        "收藏了，周末就去",
        "这个配色绝了",
        "请问是在哪里？",
        "学到了，谢谢分享",
        "已关注，期待更新",
        "好治愈啊",
        "同款get！",
        "博主的审美太好了",
        "这也太用心了",
        "第一张好出片",
        "马住，下次试试",
        "好真实的分享",
        "求更多细节！",
        "羡慕了",
        "哈哈哈哈好可爱",
        "写得好详细，感谢",
    ),
    "en": (
        "This is gorgeous!",
        "Saving this for later",
        "Where is this?",
        "Great tips, thanks!",
        "Need to try this",
        "Love the colours",
        "So helpful, thank you",
        "Adding this to my list",
        "The first photo though!",
        "Okay this made my day",
        "How long did it take?",
        "Following for more",
        "Exactly what I needed today",
        "Beautiful work",
        "Could you share more details?",
    ),
}

REPLIES = {
    "zh": ("谢谢喜欢～", "评论区置顶了哦", "冲就对了！", "下次出详细攻略～", "哈哈哈谢谢！"),
    "en": (
        "Thank you so much!",
        "Let me know how it goes!",
        "Details coming in the next post",
        "Glad it helped!",
        "Haha thanks!",
    ),
}

# Boards some demo people make, besides their default one.
BOARD_NAMES = {
    "zh": ("周末去哪儿", "想吃的店", "穿搭灵感", "以后要买的", "学习资料"),
    "en": ("Weekend ideas", "Recipes to try", "Outfit inspo", "Wishlist", "Study resources"),
}

# (name, lat, lon). Notes whose city (or mountain) slot matches a place name get that place.
PLACES = {
    "zh": (
        ("成都·玉林路", 30.6296, 104.0532),
        ("重庆·解放碑", 29.5577, 106.5772),
        ("长沙·坡子街", 28.1950, 112.9700),
        ("西安·回民街", 34.2640, 108.9420),
        ("广州·永庆坊", 23.1260, 113.2450),
        ("厦门·鼓浪屿", 24.4469, 118.0675),
        ("大理古城", 25.6931, 100.1608),
        ("青岛·八大关", 36.0540, 120.3540),
        ("桂林·阳朔西街", 24.7790, 110.4890),
        ("敦煌·鸣沙山", 40.0890, 94.6760),
        ("苏州·平江路", 31.3180, 120.6300),
        ("西双版纳·告庄", 21.9940, 100.7870),
        ("上海·武康路", 31.2070, 121.4400),
        ("北京·798艺术区", 39.9840, 116.4950),
        ("杭州·西湖", 30.2431, 120.1500),
        ("深圳·南山", 22.5333, 113.9300),
        ("四姑娘山", 31.1050, 102.9000),
        ("武功山", 27.4580, 114.1700),
        ("莫干山", 30.6060, 119.8800),
        ("千岛湖", 29.6050, 119.0420),
    ),
    "en": (
        ("Borough Market, London", 51.5055, -0.0910),
        ("Alfama, Lisbon", 38.7118, -9.1300),
        ("Da'an, Taipei", 25.0260, 121.5430),
        ("Kensington Market, Toronto", 43.6547, -79.4005),
        ("Fitzroy, Melbourne", -37.7980, 144.9780),
        ("Tiong Bahru, Singapore", 1.2850, 103.8310),
        ("Gion, Kyoto", 35.0037, 135.7788),
        ("Old Quarter, Hanoi", 21.0340, 105.8500),
        ("Ribeira, Porto", 41.1406, -8.6110),
        ("Bukchon, Seoul", 37.5826, 126.9830),
        ("Nimman, Chiang Mai", 18.7960, 98.9680),
        ("Shimokitazawa, Tokyo", 35.6613, 139.6680),
        ("Gastown, Vancouver", 49.2840, -123.1090),
        ("Old Town, Edinburgh", 55.9486, -3.1999),
        ("The Rockies, Colorado", 40.3428, -105.6836),
        ("Lake District", 54.4609, -3.0886),
        ("Blue Mountains", -33.7150, 150.3110),
        ("Banff", 51.1784, -115.5708),
        ("Central Park, New York", 40.7829, -73.9654),
        ("Mission District, San Francisco", 37.7599, -122.4148),
    ),
}
# Interests whose notes name the place they are about.
PLACE_INTERESTS = frozenset({"food", "travel", "outdoors", "photography"})

_TAG_JUNK = regex.compile(r"[^\p{L}\p{M}\p{N}_]+")


def as_tag(text: str) -> str:
    """A template-made tag without spaces or punctuation ("New York" -> "NewYork")."""
    return _TAG_JUNK.sub("", text)


@dataclass(frozen=True)
class NoteText:
    title: str
    body: str
    tags: tuple[str, ...]  # as typed in the body, the interest tag first
    place: dict | None


def _fill(template: str, values: dict[str, str]) -> str:
    return string.Formatter().vformat(template, (), values)


def compose_note(
    rng: random.Random, interest: str, lang: str, *, mention: str | None = None
) -> NoteText:
    """A title, a body with #hashtags (and an @mention when given) and maybe a place."""
    voice = TOPICS[interest][lang]
    values = {}
    for name, options in voice.slots.items():
        values.update(zip(name.split("__"), rng.choice(options).split("/"), strict=True))
    titles = list(voice.titles)
    rng.shuffle(titles)
    title = next(
        (t for t in (_fill(t, values) for t in titles) if grapheme_len(t) <= TITLE_MAX_CHARS),
        INTERESTS[interest][1 if lang == "zh" else 0],
    )
    title = title[0].upper() + title[1:] if lang == "en" else title

    tags = [interest_tag(interest, lang)]
    keys = {normalize_tag(tags[0])}
    for tag in rng.sample(voice.tags, k=min(len(voice.tags), rng.randint(2, 4))):
        tag = as_tag(_fill(tag, values))
        if tag and normalize_tag(tag) not in keys:
            keys.add(normalize_tag(tag))
            tags.append(tag)

    parts = [_fill(rng.choice(voice.openers), values), rng.choice(voice.tips)]
    if mention:
        parts.append(rng.choice(MENTION_LINES[lang]).format(u=mention))
    parts.append(" ".join(f"#{t}" for t in tags))
    body = "\n\n".join(parts)
    if lang == "en":
        body = body[0].upper() + body[1:]
    return NoteText(
        title=title, body=body, tags=tuple(tags), place=_place(rng, interest, lang, values)
    )


def _place(rng: random.Random, interest: str, lang: str, values: dict[str, str]) -> dict | None:
    """Most notes about a city or a mountain name a spot there; other notes name none."""
    if interest not in PLACE_INTERESTS:
        return None
    for slot in ("city", "place"):
        value = values.get(slot, "").removeprefix("the ")
        matching = [p for p in PLACES[lang] if value and value in p[0]]
        if matching and rng.random() < 0.8:
            name, lat, lon = rng.choice(matching)
            return {"name": name, "lat": lat, "lon": lon}
    return None


# --- names for large synthetic data sets ----------------------------------------------------

ZH_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
ZH_GIVEN = "小雨晓明思琪子涵梓萱一诺欣怡浩然宇轩佳怡雨桐可馨若汐嘉怡天佑俊杰书瑶安然"
ZH_NICK = ("的日常", "在路上", "爱生活", "今天也要开心", "的小世界", "", "", "")
EN_FIRST = (
    "Alex Sam Jordan Taylor Casey Riley Morgan Jamie Avery Quinn Emma Liam Olivia Noah Ava "
    "Mia Leo Zoe Ethan Grace Lucas Chloe Ruby Oscar Isla Finn Nora Theo Ivy Max"
).split()
EN_LAST = "ABCDEFGHJKLMNPRSTW"
PINYIN = (
    "xiaoyu xiaoming siqi zihan yinuo xinyi haoran yuxuan jiayi yutong kexin ruoxi tianyou "
    "junjie shuyao anran mengmeng lele tiantian doudou"
).split()
ZH_BIOS = ("热爱生活的普通人", "记录日常｜分享好物", "慢慢变好", "吃喝玩乐小能手", "")
EN_BIOS = (
    "Just here for the good stuff.",
    "Notes from everyday life.",
    "Curious about everything.",
    "",
)
ZH_REGIONS = (
    "上海",
    "北京",
    "广东 深圳",
    "浙江 杭州",
    "四川 成都",
    "江苏 南京",
    "湖北 武汉",
    "重庆",
)
EN_REGIONS = (
    "London, UK",
    "New York, USA",
    "Toronto, Canada",
    "Sydney, Australia",
    "Singapore",
    "Berlin, Germany",
)
