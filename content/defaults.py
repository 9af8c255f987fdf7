"""The templates and brand voice every new store starts with.

The default model is Gemma 3 270M, a small *base* model: it continues text
rather than following instructions. So every default prompt is a document to
be continued: a one-line header, worked examples in one fixed pattern, then the
same pattern for the product with the last field left open. Stops at a blank
line or the start of the next product keep it from writing a second one.

The examples are industrial and scientific products (the demo catalog) and say
only what their facts support: the model copies what it sees, including
invented claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from content.models import ContentType, Language


@dataclass(frozen=True)
class DefaultTemplate:
    content_type: str
    language: str
    name: str
    text: str
    examples: list[dict[str, str]] = field(default_factory=list)
    params: dict = field(default_factory=dict)


_STOP = ["\n\n", "Product:", "产品："]

# no_repeat_ngram_size stays 0. transformers' version counted the prompt, so a
# few-shot prompt could no longer repeat the examples' labels ("Scene 2. Shot:"),
# the campaign offer or the product's own title words (tried here: scenes numbered
# 1, 4, 5 and offers rewritten as "23% off"). The runtime now applies it (and the
# repetition penalty) to generated tokens only, but a script still repeats its own
# labels, so it stays a per-template choice. The repetition penalty and the
# runtime's repeated-sentence filter keep loops out.
_DESCRIPTION_PARAMS = {"max_new_tokens": 120, "temperature": 0.6, "top_p": 0.9, "repetition_penalty": 1.15,
                       "no_repeat_ngram_size": 0, "stop": _STOP}
_MARKETING_PARAMS = {**_DESCRIPTION_PARAMS, "max_new_tokens": 80, "temperature": 0.7}
# Low temperature: an answer should say what the facts say, not guess.
_ANSWER_PARAMS = {**_DESCRIPTION_PARAMS, "max_new_tokens": 90, "temperature": 0.3,
                  "stop": [*_STOP, "Question:", "问题："]}
_VIDEO_PARAMS = {**_DESCRIPTION_PARAMS, "max_new_tokens": 180, "temperature": 0.7}

# --------------------------------------------------------------------------- English

EN_DESCRIPTION = DefaultTemplate(
    ContentType.DESCRIPTION, Language.EN, "Product description",
    text=(
        "Product descriptions from {store}, written for buyers in labs, workshops and factories. "
        "Each description uses only the facts given.\n"
        "Tone: {tone}\n"
        "\n"
        "{examples}\n"
        "\n"
        "Product: {title}\n"
        "Brand: {brand}\n"
        "Category: {category}\n"
        "Features: {attributes}\n"
        "Details: {description}\n"
        "Note: {instruction}\n"
        "Description:"
    ),
    examples=[
        {
            "input": (
                "Product: Digital Caliper 6 Inch, Stainless Steel\n"
                "Brand: Mitsuwa\n"
                "Category: Measuring Tools > Calipers\n"
                "Features: material: stainless steel; size: 6 in; resolution: 0.01 mm\n"
                "Description:"
            ),
            "output": (
                "Measure outside, inside and depth dimensions up to 6 inches with a resolution of 0.01 mm. "
                "The stainless steel jaws slide smoothly along the beam for quick, repeatable readings."
            ),
        },
        {
            # No features: most catalogs lack them, and the model should still stay with the title.
            "input": (
                "Product: Nitrile Exam Gloves, Powder-Free, Blue, Box of 100\n"
                "Brand: LabGuard\n"
                "Category: Lab & Safety > Gloves\n"
                "Description:"
            ),
            "output": (
                "Powder-free blue nitrile exam gloves from LabGuard, 100 to a box. They suit lab work, cleaning "
                "and assembly, and a full box keeps a steady supply at the bench."
            ),
        },
    ],
    params=_DESCRIPTION_PARAMS,
)

EN_MARKETING = DefaultTemplate(
    ContentType.MARKETING, Language.EN, "Marketing copy",
    text=(
        "Short campaign ads from {store}. Each ad opens with the campaign offer word for word, then names "
        "the product and says in one sentence why it helps.\n"
        "Tone: {tone}\n"
        "\n"
        "{examples}\n"
        "\n"
        "Product: {title}\n"
        "Brand: {brand}\n"
        "Features: {attributes}\n"
        "Campaign: {goal}\n"
        "Note: {instruction}\n"
        "Ad:"
    ),
    examples=[
        {
            "input": (
                "Product: Sanding Discs 5 Inch 120 Grit, Hook and Loop, 50 Pack\n"
                "Brand: GritPro\n"
                "Features: grit: 120 grit; diameter: 5 in; pack size: 50\n"
                "Campaign: Spring workshop sale, 15% off\n"
                "Ad:"
            ),
            "output": (
                "Spring workshop sale, 15% off: smooth every surface before the next coat with GritPro "
                "120 grit sanding discs, 50 to a pack."
            ),
        },
        {
            "input": (
                "Product: Borosilicate Glass Beaker Set, 50/100/250/500 ml\n"
                "Brand: ClearLab\n"
                "Features: material: borosilicate glass; volume: 50-500 ml; pack size: 4\n"
                "Campaign: Back to the lab, free shipping\n"
                "Ad:"
            ),
            "output": (
                "Back to the lab, free shipping: four ClearLab borosilicate glass beakers, from 50 to 500 ml, "
                "ready for the first experiment of the term."
            ),
        },
    ],
    params=_MARKETING_PARAMS,
)

EN_ANSWER = DefaultTemplate(
    ContentType.ANSWER, Language.EN, "Answer to a shopper question",
    text=(
        "Answers from {store} to shoppers' questions. Each answer uses only the product facts and "
        "description given, and says so when they do not cover the question.\n"
        "Tone: {tone}\n"
        "\n"
        "{examples}\n"
        "\n"
        "Product: {title}\n"
        "Brand: {brand}\n"
        "Facts: {attributes}\n"
        "Description: {published_copy}\n"
        "Question: {question}\n"
        "Note: {instruction}\n"
        "Answer:"
    ),
    examples=[
        {
            "input": (
                "Product: Digital Pocket Scale 500 g x 0.01 g\n"
                "Brand: Mitsuwa\n"
                "Facts: capacity: 500 g; resolution: 0.01 g\n"
                "Question: Can I weigh a 1 kg bag of powder on it?\n"
                "Answer:"
            ),
            "output": (
                "The product information gives a capacity of 500 g, so a 1 kg bag is too heavy for this scale. "
                "It reads in steps of 0.01 g, which suits small samples."
            ),
        },
        {
            "input": (
                "Product: PTFE Thread Seal Tape 1/2 Inch x 520 Inch, 10 Rolls\n"
                "Brand: SealRight\n"
                "Facts: material: ptfe; size: 1/2 in x 520 in; pack size: 10\n"
                "Question: Is it rated for gas lines?\n"
                "Answer:"
            ),
            "output": (
                "The product information does not say whether it is rated for gas lines, so please check with "
                "your supplier before using it there. It is PTFE tape, 1/2 inch wide, 10 rolls per pack."
            ),
        },
    ],
    params=_ANSWER_PARAMS,
)

EN_VIDEO = DefaultTemplate(
    ContentType.VIDEO_SCRIPT, Language.EN, "Product video script",
    text=(
        "Short product video scripts from {store}: three scenes, each a shot and a voice-over line.\n"
        "Tone: {tone}\n"
        "\n"
        "{examples}\n"
        "\n"
        "Product: {title}\n"
        "Brand: {brand}\n"
        "Features: {attributes}\n"
        "Note: {instruction}\n"
        "Script:\n"
    ),
    examples=[
        {
            "input": (
                "Product: Digital Caliper 6 Inch, Stainless Steel\n"
                "Brand: Mitsuwa\n"
                "Features: material: stainless steel; size: 6 in; resolution: 0.01 mm\n"
                "Script:\n"
            ),
            "output": (
                "Scene 1. Shot: close-up of the jaws closing on a steel bolt. "
                "Voice-over: Measure to a hundredth of a millimetre.\n"
                "Scene 2. Shot: the caliper measuring the inside of a pipe. "
                "Voice-over: Outside, inside and depth, up to 6 inches.\n"
                "Scene 3. Shot: the caliper on a workbench beside a part drawing. "
                "Voice-over: Mitsuwa stainless steel caliper, built for the bench."
            ),
        },
        {
            "input": (
                "Product: Silicone Sealant, Clear, 10.1 oz Cartridge\n"
                "Brand: SealRight\n"
                "Features: material: silicone; color: clear; volume: 10.1 oz\n"
                "Script:\n"
            ),
            "output": (
                "Scene 1. Shot: a bead of clear sealant run along a window frame. "
                "Voice-over: A clean, clear seal in one pass.\n"
                "Scene 2. Shot: the cartridge loaded into a caulking gun. "
                "Voice-over: A 10.1 oz cartridge that fits a standard gun.\n"
                "Scene 3. Shot: the finished joint, wiped smooth. "
                "Voice-over: SealRight silicone sealant."
            ),
        },
    ],
    params=_VIDEO_PARAMS,
)

# --------------------------------------------------------------------------- Chinese

ZH_DESCRIPTION = DefaultTemplate(
    ContentType.DESCRIPTION, Language.ZH, "产品描述",
    text=(
        "{store}的中文产品描述，写给实验室、车间和工厂的采购人员，只使用给出的产品信息。\n"
        "语气：{tone}\n"
        "\n"
        "{examples}\n"
        "\n"
        "产品：{title}\n"
        "品牌：{brand}\n"
        "类别：{category}\n"
        "特点：{attributes}\n"
        "详情：{description}\n"
        "要求：{instruction}\n"
        "描述："
    ),
    examples=[
        {
            "input": (
                "产品：Digital Caliper 6 Inch, Stainless Steel\n"
                "品牌：Mitsuwa\n"
                "类别：Measuring Tools > Calipers\n"
                "特点：material：stainless steel；size：6 in；resolution：0.01 mm\n"
                "描述："
            ),
            "output": (
                "这款6英寸不锈钢数显卡尺可测量外径、内径和深度，分辨率为0.01毫米。"
                "不锈钢量爪沿尺身顺滑移动，在工作台上反复测量也快速一致。"
            ),
        },
        {
            "input": (
                "产品：Nitrile Exam Gloves, Powder-Free, Blue, Box of 100\n"
                "品牌：LabGuard\n"
                "类别：Lab & Safety > Gloves\n"
                "描述："
            ),
            "output": (
                "LabGuard蓝色无粉丁腈检查手套，每盒100只。"
                "适合实验、清洁和装配工作，整盒备在工作台旁随时取用。"
            ),
        },
    ],
    params=_DESCRIPTION_PARAMS,
)

ZH_MARKETING = DefaultTemplate(
    ContentType.MARKETING, Language.ZH, "营销文案",
    text=(
        "{store}的中文促销短文案：开头原样写出活动优惠，再点出产品，用一句话说明它的用处。\n"
        "语气：{tone}\n"
        "\n"
        "{examples}\n"
        "\n"
        "产品：{title}\n"
        "品牌：{brand}\n"
        "特点：{attributes}\n"
        "活动：{goal}\n"
        "要求：{instruction}\n"
        "文案："
    ),
    examples=[
        {
            "input": (
                "产品：Sanding Discs 5 Inch 120 Grit, Hook and Loop, 50 Pack\n"
                "品牌：GritPro\n"
                "特点：grit：120 grit；diameter：5 in；pack size：50\n"
                "活动：春季车间促销，八五折\n"
                "文案："
            ),
            "output": "春季车间促销，八五折：GritPro 120目5英寸砂纸片，每包50片，上漆前把表面打磨平整。",
        },
        {
            "input": (
                "产品：Borosilicate Glass Beaker Set, 50/100/250/500 ml\n"
                "品牌：ClearLab\n"
                "特点：material：borosilicate glass；volume：50-500 ml；pack size：4\n"
                "活动：开学季，全场包邮\n"
                "文案："
            ),
            "output": "开学季，全场包邮：ClearLab高硼硅玻璃烧杯四件套，50到500毫升，新学期实验随时可用。",
        },
    ],
    params=_MARKETING_PARAMS,
)

ZH_ANSWER = DefaultTemplate(
    ContentType.ANSWER, Language.ZH, "顾客问题回答",
    text=(
        "{store}对顾客问题的中文回答：只依据给出的产品信息和描述，信息没有涉及时要如实说明。\n"
        "语气：{tone}\n"
        "\n"
        "{examples}\n"
        "\n"
        "产品：{title}\n"
        "品牌：{brand}\n"
        "信息：{attributes}\n"
        "描述：{published_copy}\n"
        "问题：{question}\n"
        "要求：{instruction}\n"
        "回答："
    ),
    examples=[
        {
            "input": (
                "产品：Digital Pocket Scale 500 g x 0.01 g\n"
                "品牌：Mitsuwa\n"
                "信息：capacity：500 g；resolution：0.01 g\n"
                "问题：能称1公斤的粉末吗？\n"
                "回答："
            ),
            "output": (
                "根据产品信息，这款秤的最大称量为500克，1公斤超出了量程。"
                "它的读数精度为0.01克，适合称量少量样品。"
            ),
        },
        {
            "input": (
                "产品：PTFE Thread Seal Tape 1/2 Inch x 520 Inch, 10 Rolls\n"
                "品牌：SealRight\n"
                "信息：material：ptfe；size：1/2 in x 520 in；pack size：10\n"
                "问题：可以用在燃气管道上吗？\n"
                "回答："
            ),
            "output": (
                "根据产品信息，无法确定它是否适用于燃气管道，请先向供应商确认。"
                "这是PTFE生料带，宽1/2英寸、长520英寸，每包10卷。"
            ),
        },
    ],
    params=_ANSWER_PARAMS,
)

ZH_VIDEO = DefaultTemplate(
    ContentType.VIDEO_SCRIPT, Language.ZH, "产品视频脚本",
    text=(
        "{store}的中文产品短视频脚本：三个场景，每个场景一个镜头和一句旁白。\n"
        "语气：{tone}\n"
        "\n"
        "{examples}\n"
        "\n"
        "产品：{title}\n"
        "品牌：{brand}\n"
        "特点：{attributes}\n"
        "要求：{instruction}\n"
        "脚本：\n"
    ),
    examples=[
        {
            "input": (
                "产品：Digital Caliper 6 Inch, Stainless Steel\n"
                "品牌：Mitsuwa\n"
                "特点：material：stainless steel；size：6 in；resolution：0.01 mm\n"
                "脚本：\n"
            ),
            "output": (
                "场景1。镜头：量爪夹住一颗钢螺栓的特写。旁白：精确到百分之一毫米。\n"
                "场景2。镜头：卡尺测量管子内径。旁白：外径、内径、深度，最大6英寸。\n"
                "场景3。镜头：卡尺放在工作台的零件图旁。旁白：Mitsuwa不锈钢卡尺，为工作台而生。"
            ),
        },
        {
            "input": (
                "产品：Silicone Sealant, Clear, 10.1 oz Cartridge\n"
                "品牌：SealRight\n"
                "特点：material：silicone；color：clear；volume：10.1 oz\n"
                "脚本：\n"
            ),
            "output": (
                "场景1。镜头：沿窗框打出一道透明密封胶。旁白：一次成型，干净透明。\n"
                "场景2。镜头：胶管装进胶枪。旁白：10.1盎司胶管，适配标准胶枪。\n"
                "场景3。镜头：抹平后的接缝。旁白：SealRight硅酮密封胶。"
            ),
        },
    ],
    params=_VIDEO_PARAMS,
)

DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    EN_DESCRIPTION, EN_MARKETING, EN_ANSWER, EN_VIDEO,
    ZH_DESCRIPTION, ZH_MARKETING, ZH_ANSWER, ZH_VIDEO,
)

DEFAULT_TONE = "clear, practical and confident"
DEFAULT_BANNED_WORDS = ["miracle", "revolutionary", "best in the world", "100% guaranteed"]
# Words in English, characters in Chinese.
DEFAULT_TARGET_LENGTHS = {
    ContentType.DESCRIPTION: {"en": [30, 120], "zh": [40, 250]},
    ContentType.MARKETING: {"en": [12, 60], "zh": [20, 120]},
    ContentType.ANSWER: {"en": [8, 80], "zh": [10, 160]},
    ContentType.VIDEO_SCRIPT: {"en": [30, 160], "zh": [40, 300]},
}
