"""Plausible local names and census attribute text for the demo, drawn from a seeded RNG.

Village names follow the patterns of the Jiaodong peninsula (…家村, …疃, …夼, …泊, …格庄,
…岛, …庄, …屯); road and compound names follow common urban naming practice. Every
function takes the ``random.Random`` it draws from, so the output depends on the seed only.
"""

from __future__ import annotations

import random

SURNAMES = [
    "王",
    "张",
    "李",
    "刘",
    "孙",
    "于",
    "丛",
    "毕",
    "林",
    "宋",
    "谷",
    "鞠",
    "曲",
    "姜",
    "邹",
    "汤",
    "戚",
    "夏",
    "赵",
    "陈",
    "杨",
    "徐",
    "郭",
    "高",
    "梁",
    "董",
    "梅",
    "田",
    "车",
    "隋",
    "初",
    "柳",
    "邵",
    "岳",
    "苗",
    "唐",
    "慕",
    "连",
    "殷",
    "卢",
    "冷",
    "修",
    "乔",
    "郝",
    "迟",
    "蒋",
    "吕",
    "石",
    "肖",
    "黄",
    "周",
    "吴",
    "马",
    "胡",
    "朱",
    "潘",
    "袁",
    "韩",
    "方",
    "侯",
    "崔",
    "蔡",
    "段",
    "孔",
    "范",
    "葛",
    "万",
    "庞",
    "盛",
    "沙",
    "邓",
    "薛",
    "许",
    "冯",
    "滕",
    "纪",
    "程",
    "葛",
    "谭",
    "衣",
    "解",
    "荆",
]
DIRS = ("东", "西", "南", "北", "前", "后", "上", "下", "大", "小", "中", "新")
NATURE = [
    "山",
    "岭",
    "河",
    "泉",
    "沟",
    "崖",
    "湾",
    "口",
    "石",
    "柳",
    "杨",
    "桥",
    "井",
    "台",
    "坡",
    "岚",
    "峪",
    "庄",
    "埠",
    "滩",
    "港",
    "岛",
    "汪",
    "林",
    "营",
    "寨",
    "坊",
    "集",
    "店",
    "屯",
    "院",
    "园",
    "阳",
    "峰",
    "峦",
    "岗",
    "塘",
    "堤",
    "圈",
    "栏",
    "窑",
    "磨",
    "槐",
    "桑",
    "枣",
    "栗",
    "松",
    "桃",
    "杏",
    "梨",
    "莲",
    "荷",
    "兰",
    "菊",
    "竹",
]
VILLAGE_SUFFIX = (
    "家村",
    "家庄",
    "家疃",
    "家夼",
    "家泊",
    "格庄",
    "家岛",
    "家屯",
    "家寨",
    "家店",
)
PLACE_SUFFIX = ("疃", "夼", "泊", "庄", "村", "岛", "屯", "口", "沟", "埠", "崖", "岭", "寨")

GOOD_WORDS = [
    "和平",
    "幸福",
    "文化",
    "统一",
    "新华",
    "光明",
    "友谊",
    "团结",
    "青年",
    "胜利",
    "建设",
    "民主",
    "解放",
    "兴业",
    "昌盛",
    "永安",
    "安康",
    "福泰",
    "长安",
    "永和",
    "广安",
    "吉祥",
    "清泉",
    "东风",
    "朝阳",
    "春晖",
    "秋实",
    "海悦",
    "海韵",
    "海景",
    "海宁",
    "滨海",
    "望海",
    "观海",
    "听涛",
    "揽月",
    "翠竹",
    "碧海",
    "金海",
    "银河",
    "凤凰",
    "龙山",
    "鹿鸣",
    "柳林",
    "杏林",
    "梨园",
    "桃源",
    "松涛",
    "锦绣",
    "华泰",
    "华府",
    "华苑",
    "嘉和",
    "嘉园",
    "恒泰",
    "恒信",
    "盛世",
    "盛景",
    "天润",
    "天成",
    "新城",
    "新港",
    "新都",
    "金桥",
    "玉泉",
    "玉龙",
    "宝泉",
    "文峰",
    "文昌",
    "文汇",
    "崇文",
    "尚德",
    "明德",
    "怀德",
    "育才",
    "启明",
    "振华",
    "振兴",
    "振东",
    "兴海",
    "远遥",
    "仙姑",
    "圣水",
    "昆嵛",
    "伟德",
    "环山",
    "峰山",
    "石岛",
    "港湾",
    "蓝天",
    "白云",
    "绿洲",
    "彩虹",
    "紫荆",
    "牡丹",
    "丁香",
]
CITY_WORDS = [
    "威海",
    "文登",
    "荣成",
    "乳山",
    "烟台",
    "青岛",
    "济南",
    "北京",
    "上海",
    "深圳",
    "天津",
    "大连",
    "沈阳",
    "南京",
    "杭州",
    "苏州",
    "潍坊",
    "淄博",
    "泰安",
    "临沂",
    "日照",
    "东营",
    "德州",
    "聊城",
    "菏泽",
    "滨州",
    "枣庄",
    "济宁",
    "莱阳",
    "海阳",
    "蓬莱",
    "龙口",
    "昆明",
    "成都",
    "重庆",
    "西安",
    "长春",
    "哈尔滨",
    "福州",
    "厦门",
    "南宁",
    "贵阳",
    "兰州",
    "西宁",
    "银川",
    "太原",
    "石家庄",
    "郑州",
]
ROAD_GENERICS = ("路", "路", "路", "街", "大道", "巷", "路", "街")
ROAD_GRADES = ("主干路", "次干路", "支路")
COMPOUND_GENERICS = ("小区", "花园", "家园", "公寓", "苑", "庭院", "新村", "山庄", "名苑")
DEVELOPERS = (
    "威海市房地产开发有限公司",
    "文登区城建投资有限公司",
    "荣成市城市开发有限公司",
    "乳山市城乡建设有限公司",
    "威海海悦置业有限公司",
    "威海华夏置业有限公司",
    "山东海景房地产开发有限公司",
    "威海高区城市开发有限公司",
)
EPOCHS = (
    ("明洪武年间", 1380),
    ("明永乐年间", 1410),
    ("明成化年间", 1470),
    ("明嘉靖年间", 1540),
    ("明万历年间", 1590),
    ("清顺治年间", 1650),
    ("清康熙年间", 1690),
    ("清乾隆年间", 1760),
    ("清道光年间", 1830),
    ("清光绪年间", 1890),
)
ORIGINS = (
    "云南",
    "山西洪洞",
    "河北枣强",
    "文登",
    "莱阳",
    "海阳",
    "宁海州",
    "即墨",
    "福山",
    "登州",
    "小云南",
    "栖霞",
)
FEATURES = (
    "泊",
    "山",
    "河",
    "泉",
    "沟",
    "崖",
    "湾",
    "柳树",
    "古井",
    "石桥",
    "庙",
    "土台",
    "槐树",
    "海滩",
)
SIDES = ("东", "西", "南", "北", "东南", "西北", "东北", "西南")
INDUSTRIES = (
    "粮食、花生",
    "苹果、大樱桃",
    "海水养殖",
    "西洋参",
    "蔬菜",
    "无花果",
    "茶叶",
    "渔业捕捞",
    "海带养殖",
    "板栗",
    "草莓",
    "小麦、玉米",
)


def pick(rng: random.Random, seq: tuple[str, ...] | list[str]) -> str:
    return seq[rng.randrange(len(seq))]


def village_name(rng: random.Random) -> str:
    """A plausible village name such as 王家疃, 南大夼, 邹格庄, 西泊."""
    r = rng.random()
    if r < 0.55:
        return pick(rng, SURNAMES) + pick(rng, VILLAGE_SUFFIX)
    if r < 0.75:
        return pick(rng, DIRS) + pick(rng, NATURE) + pick(rng, PLACE_SUFFIX)
    if r < 0.9:
        return pick(rng, NATURE) + pick(rng, NATURE) + pick(rng, PLACE_SUFFIX)
    return pick(rng, DIRS) + pick(rng, SURNAMES) + pick(rng, VILLAGE_SUFFIX)


def community_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return pick(rng, GOOD_WORDS)
    if r < 0.8:
        return pick(rng, DIRS) + pick(rng, NATURE)
    return pick(rng, GOOD_WORDS)[0] + pick(rng, NATURE)


def road_specific(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return pick(rng, GOOD_WORDS)
    if r < 0.65:
        return pick(rng, CITY_WORDS)
    if r < 0.85:
        return pick(rng, GOOD_WORDS)[0] + pick(rng, NATURE)
    return pick(rng, SURNAMES) + "家" + pick(rng, ("疃", "夼", "庄", "泊"))


def compound_name(rng: random.Random) -> tuple[str, str]:
    return pick(rng, GOOD_WORDS) + pick(rng, ("", "", "东", "西", "南", "北", "一", "二")), pick(
        rng, COMPOUND_GENERICS
    )


def unique(
    rng: random.Random, make: object, taken: set[str], *, suffix: str = "", tries: int = 60
) -> str:
    """Draw names from ``make(rng)`` until one (plus ``suffix``) is not in ``taken``."""
    assert callable(make)
    for _ in range(tries):
        name = str(make(rng)) + suffix
        if name not in taken:
            taken.add(name)
            return name
    n = 2
    base = str(make(rng))
    while f"{base}{n}{suffix}" in taken:  # pragma: no cover - only with tiny pools
        n += 1
    name = f"{base}{n}{suffix}"
    taken.add(name)
    return name


# --- attribute text --------------------------------------------------------------------------


def village_text(rng: random.Random, name: str, town: str) -> tuple[str, str, str, str, int]:
    """Meaning, origin, history, description and founding year of a village."""
    epoch, year = EPOCHS[rng.randrange(len(EPOCHS))]
    surname = name[0] if name[0] in SURNAMES else pick(rng, SURNAMES)
    side = pick(rng, SIDES)
    feat = pick(rng, FEATURES)
    meaning = pick(
        rng,
        (
            f"以姓氏和地形得名，意为{surname}姓聚居之地。",
            f"因村{side}有{feat}，取其形胜而名。",
            f"以村址附近的{feat}命名，寓意村落依{feat}而兴。",
            f"取{surname}姓先人立村之意，沿用至今。",
        ),
    )
    origin = pick(
        rng,
        (
            f"据村中碑记，{epoch}{surname}姓由{pick(rng, ORIGINS)}迁此立村，因村{side}有{feat}，"
            f"故名{name}。",
            f"{epoch}{surname}氏自{pick(rng, ORIGINS)}迁来，见此地{feat}环绕、土地肥沃，"
            f"遂定居立村，以姓氏命名为{name}。",
            f"相传{epoch}先人{surname}某自{pick(rng, ORIGINS)}逃荒至此，结庐而居，后人丁渐旺，"
            f"取名{name}，沿用至今。",
        ),
    )
    history = pick(
        rng,
        (
            f"清属{pick(rng, ('文登县', '荣成县', '宁海州', '威海卫'))}辖，1949年后属{town}，"
            f"1958年属人民公社，1984年改设村民委员会。",
            f"民国时期属第{rng.randint(2, 9)}区，1956年成立高级农业合作社，1984年建村民委员会，"
            f"{rng.choice((2001, 2007, 2010, 2012))}年随乡镇调整划归{town}。",
        ),
    )
    description = (
        f"位于{town}驻地{side}约{rng.randint(1, 12)}千米，{rng.randint(80, 900)}户，"
        f"耕地{rng.randint(300, 4000)}亩，主要产业为{pick(rng, INDUSTRIES)}。"
    )
    return meaning, origin, history, description, year + rng.randint(0, 9)


def generic_text(
    rng: random.Random, name: str, kind: str, where: str, year: int | None
) -> tuple[str, str, str, str]:
    """Meaning, origin, history and description for a non-village name of ``kind``."""
    spec = name[:2]
    meaning = pick(
        rng,
        (
            f"以所在地{where}及其用途命名，简明易记。",
            f"取“{spec}”之意，寓意吉祥安康、兴旺发达。",
            f"因位于{where}{pick(rng, SIDES)}部而得名。",
            f"以附近{pick(rng, FEATURES)}和{kind}的性质命名。",
        ),
    )
    when = f"{year}年" if year else pick(rng, ("早年", "建国初期", "二十世纪八十年代"))
    origin = pick(
        rng,
        (
            f"{when}建成，经{where}地名主管部门审核命名为{name}。",
            f"{when}始有此名，当地群众沿用已久，第二次全国地名普查时予以标准化登记。",
            f"原为{pick(rng, ('荒地', '滩涂', '农田', '山坡', '旧村址'))}，{when}开发建设，"
            f"因地制宜取名{name}。",
        ),
    )
    history = pick(
        rng,
        (
            f"{when}设立，其后多次维修扩建，{rng.randint(2005, 2019)}年进行改造提升。",
            f"{when}形成，名称一直沿用，未曾更改。",
            f"{when}启用，{rng.randint(1990, 2015)}年划归{where}管理。",
        ),
    )
    description = f"{kind}，位于{where}境内，" + pick(
        rng,
        (
            f"占地约{rng.randint(1, 300)}公顷，交通便利，周边设施完善。",
            f"长约{rng.randint(1, 30) * 100}米，是当地重要的{kind}之一。",
            f"海拔约{rng.randint(20, 900)}米，植被茂盛，景色宜人。",
            f"服务人口约{rng.randint(2, 90) * 100}人，环境整洁。",
        ),
    )
    return meaning, origin, history, description
