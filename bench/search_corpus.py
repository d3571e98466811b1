"""The labelled corpus of ``search_eval.py``: short notes on twelve concepts, in Chinese
(Simplified, and a few in Traditional) and English, and queries with the concept each is
after. A note is relevant to a query when it is about the query's concept, in whatever
language it is written: "hotpot" should find 火锅 notes too.

Titles are at most 20 characters (the notes service's rule).
"""

from __future__ import annotations

# concept -> [(title, body)], Chinese and English mixed as people write them.
NOTES: dict[str, list[tuple[str, str]]] = {
    "hotpot": [
        ("成都火锅探店", "春熙路附近的老火锅，牛油锅底很香，毛肚七上八下刚刚好。#火锅 #成都美食"),
        ("重庆九宫格火锅", "麻辣锅底配鸭肠和黄喉，辣得过瘾，记得点冰粉解辣。#火锅"),
        (
            "Chengdu hotpot guide",
            "Spicy beef tallow broth, tripe and duck intestine. Go early, queues are long. #hotpot",
        ),
        (
            "Hotpot at home",
            "A split pot: mild mushroom broth and a fiery Sichuan side, lots of dipping sauce.",
        ),
        ("臺北麻辣鍋推薦", "這家麻辣鍋湯頭很濃，鴨血豆腐無限續，適合冬天。"),
    ],
    "dumplings": [
        ("妈妈包的饺子", "韭菜猪肉馅，皮薄馅大，过年一定要吃饺子。#饺子"),
        ("东北酸菜饺子", "酸菜配五花肉，蘸醋加蒜泥，一口一个停不下来。"),
        (
            "Homemade dumplings",
            "Pork and chive filling, pleated by hand. Boil them, then pan-fry for crispy bottoms.",
        ),
        (
            "Best dumplings",
            "Juicy soup dumplings and potstickers, the vinegar with ginger is a must.",
        ),
    ],
    "milk_tea": [
        ("新品奶茶测评", "芋泥波波奶茶，甜度选三分糖刚好，珍珠很Q弹。#奶茶"),
        ("自制珍珠奶茶", "红茶加牛奶，黑糖珍珠自己煮，比店里的还好喝。"),
        ("Milk tea review", "Brown sugar boba with fresh milk, less sugar, chewy pearls. #milktea"),
        (
            "Milk tea at home",
            "Strong black tea, whole milk and tapioca pearls cooked in brown sugar syrup.",
        ),
    ],
    "hiking": [
        ("周末徒步路线", "从山脚到山顶五个小时，风景很美，记得带够水。#徒步"),
        ("爬山装备清单", "登山鞋、冲锋衣、登山杖和头灯，新手爬山也能轻松上手。"),
        (
            "Weekend hiking trail",
            "A ten kilometre loop with a ridge view. Bring water and good boots. #hiking",
        ),
        (
            "Beginner hiking gear",
            "Trail shoes, a rain jacket, trekking poles and a headlamp are enough to start.",
        ),
    ],
    "sunscreen": [
        ("夏天防晒攻略", "防晒霜要提前半小时涂，出汗后记得补涂，SPF50够用。#防晒"),
        ("平价防晒霜测评", "清爽不油腻，不搓泥，敏感肌也能用的防晒。"),
        (
            "Sunscreen for summer",
            "Apply SPF 50 half an hour before going out and reapply after swimming. #sunscreen",
        ),
        (
            "Sunscreen picks",
            "Light, non-greasy sunscreens that work under makeup and on sensitive skin.",
        ),
    ],
    "cats": [
        ("我家猫咪的日常", "橘猫每天早上准时叫醒我，吃饱了就在窗台晒太阳。#猫咪"),
        ("领养流浪猫", "小猫刚来时很怕人，现在会蹭腿撒娇了，记得打疫苗。"),
        ("My cat's mornings", "Our ginger cat wakes me at six, eats, then naps in the sun. #cats"),
        (
            "Adopting a kitten",
            "Shy at first, now she purrs on my lap. Vaccines and a litter box first.",
        ),
        ("貓咪健康檢查", "帶貓去醫院做體檢，驅蟲和疫苗都要按時。"),
    ],
    "coffee": [
        ("手冲咖啡入门", "中度烘焙的豆子，水温九十二度，闷蒸三十秒。#咖啡"),
        ("咖啡拉花练习", "练了一个月终于拉出爱心，牛奶打发是关键。"),
        (
            "Pour-over basics",
            "Medium roast beans, water at 92 degrees, a thirty second bloom. #coffee",
        ),
        ("Latte art practice", "A month of practice for a heart: the milk texture is everything."),
    ],
    "running": [
        ("跑步第一个月", "每周跑三次，每次五公里，配速慢慢提高了。#跑步"),
        ("半程马拉松备赛", "长距离慢跑加间歇训练，比赛前一周减量。"),
        (
            "A month of running",
            "Three runs a week, five kilometres each, my pace is getting better. #running",
        ),
        ("Half marathon prep", "Long slow runs plus intervals, and a taper in the final week."),
    ],
    "camping": [
        ("第一次露营", "在湖边搭帐篷，晚上看星星，早上煮咖啡。#露营"),
        ("露营装备推荐", "帐篷、睡袋、防潮垫和营地灯，带上折叠桌椅更舒服。"),
        (
            "First time camping",
            "Tent by the lake, stars at night and coffee on a stove at dawn. #camping",
        ),
        (
            "Camping gear list",
            "Tent, sleeping bag, mat and a lantern; folding chairs make it comfy.",
        ),
    ],
    "lipstick": [
        ("秋冬口红试色", "枫叶红和豆沙色都很显白，哑光质地不拔干。#口红"),
        ("平价口红推荐", "学生党也买得起的口红，颜色正，持久度不错。"),
        ("Lipstick swatches", "Brick red and rosy nude, matte and not drying at all. #lipstick"),
        (
            "Affordable lipsticks",
            "Drugstore lipsticks with great colour payoff that last through lunch.",
        ),
    ],
    "photography": [
        ("手机摄影技巧", "用三分法构图，逆光拍人像更有氛围感。#摄影"),
        ("胶片相机入门", "第一台胶片机选了傻瓜机，冲洗出来颜色很温柔。"),
        (
            "Phone photo tips",
            "Use the rule of thirds and shoot portraits against the light. #photography",
        ),
        (
            "Film cameras 101",
            "A point-and-shoot as a first film camera; the colours come out soft.",
        ),
        ("街頭攝影心得", "在城市裡隨手拍，光影和人物都是故事。"),
    ],
    "tokyo": [
        ("东京旅行攻略", "浅草寺、涩谷和新宿，地铁一日券很划算。#东京旅行"),
        ("东京美食地图", "筑地的寿司和新宿的拉面，排队也值得。"),
        (
            "Tokyo travel guide",
            "Asakusa, Shibuya and Shinjuku, and a one-day metro pass saves money. #tokyo",
        ),
        ("Tokyo food trip", "Sushi near Tsukiji and ramen in Shinjuku were worth every queue."),
    ],
}

# (query, concept, kind): kind is zh, en, mixed, traditional, pinyin or typo.
QUERIES: list[tuple[str, str, str]] = [
    ("火锅", "hotpot", "zh"),
    ("成都火锅", "hotpot", "zh"),
    ("饺子", "dumplings", "zh"),
    ("奶茶", "milk_tea", "zh"),
    ("珍珠奶茶", "milk_tea", "zh"),
    ("徒步", "hiking", "zh"),
    ("爬山", "hiking", "zh"),
    ("防晒霜", "sunscreen", "zh"),
    ("猫咪", "cats", "zh"),
    ("手冲咖啡", "coffee", "zh"),
    ("跑步", "running", "zh"),
    ("露营装备", "camping", "zh"),
    ("口红", "lipstick", "zh"),
    ("摄影", "photography", "zh"),
    ("东京旅行", "tokyo", "zh"),
    ("火鍋", "hotpot", "traditional"),
    ("餃子", "dumplings", "traditional"),
    ("東京旅行", "tokyo", "traditional"),
    ("攝影技巧", "photography", "traditional"),
    ("貓咪", "cats", "traditional"),
    ("hotpot", "hotpot", "en"),
    ("dumplings", "dumplings", "en"),
    ("milk tea", "milk_tea", "en"),
    ("hiking trail", "hiking", "en"),
    ("sunscreen", "sunscreen", "en"),
    ("cat", "cats", "en"),
    ("coffee", "coffee", "en"),
    ("running", "running", "en"),
    ("camping", "camping", "en"),
    ("lipstick", "lipstick", "en"),
    ("photography tips", "photography", "en"),
    ("tokyo travel", "tokyo", "en"),
    ("ramen", "tokyo", "en"),
    ("latte art", "coffee", "en"),
    ("成都 hotpot", "hotpot", "mixed"),
    ("东京 travel", "tokyo", "mixed"),
    ("coffee 拉花", "coffee", "mixed"),
    ("huoguo", "hotpot", "pinyin"),
    ("jiaozi", "dumplings", "pinyin"),
    ("naicha", "milk_tea", "pinyin"),
    ("hotpt", "hotpot", "typo"),
    ("dumplngs", "dumplings", "typo"),
    ("sunscren", "sunscreen", "typo"),
    ("photgraphy", "photography", "typo"),
    ("campng", "camping", "typo"),
    ("lipstik", "lipstick", "typo"),
]
