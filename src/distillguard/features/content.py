"""Content signals: families of phrasing that harvesting pipelines send.

Each family is a regular expression over the system prompt and the last user
message, written in the subset shared by Python ``re``, RE2 (DuckDB) and Java
regex (Spark): no look-around, no back-references, inline ``(?i)`` only. The
batch hunt compiles the very same patterns into SQL (see
:mod:`distillguard.features.plan`) and applies them to one request online
(:mod:`distillguard.features.signals`), so the gateway and the hunt agree.

The families describe *kinds* of instruction (coercing a reasoning trace,
asking for a grade, asking for N new training items), each covering many
paraphrases; none is keyed to one corpus's exact wording, because the hunt is
judged on traffic built from corpora it has never seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from distillguard.schema import NormalizedRequest

_VERBS_SHOW: Final = (
    r"(show|explain|write out|write down|walk (me )?through|lay out|spell out|articulate"
    r"|verbali[sz]e|expose|reveal|include|provide|give|output|print|narrate|document)"
)
_TRACE_NOUNS: Final = (
    r"(reasoning|thought process|thinking|chain of thought|thoughts|working|derivation"
    r"|rationale|scratchpad|intermediate steps|every step|each step|all steps|deliberation)"
)

# Chinese phrasing (simplified and traditional) of the same kinds of instruction: the
# campaigns the policy debate is about are run in Chinese as often as in English.
_ZH_REASONING: Final = (
    r"|(一步一步|一步步|逐步|分步)(地|的)?(思考|推理|分析|解答|求解|推导|推導|说明|說明|解释|解釋"
    r"|计算|計算|展示|写出|寫出)|思维链|思維鏈|思考链|思考鏈|推理链|推理鏈"
    r"|(思考|推理|推导|推導|解题|解題|思维|思維)(过程|過程|步骤|步驟|路径|路徑)"
    r"|(完整|详细|詳細|全部|所有)(的)?(推理|思考|思路|推导|推導)"
    r"|先(思考|推理|分析)[^。\n]{0,12}(再|然后|然後)(回答|作答|给出|給出)|内心独白|內心獨白"
)
_ZH_RUBRIC: Final = (
    r"|评分标准|評分標準|评分细则|評分細則|评分量表|評分量表|奖励模型|獎勵模型|偏好数据|偏好數據"
    r"|(评估|評估|评价|評價|评判|評判|比较|比較|打分|评分|評分|评级|評級)[^。\n]{0,20}(回答|回复|回覆"
    r"|答案|输出|輸出|回应|回應|响应|響應)"
    r"|(哪个|哪個|哪一个|哪一個)(回答|回复|回覆|答案|输出|輸出)(更好|更有帮助|更有幫助|更准确|更準確|最好)"
    r"|[0-9一二三四五六七八九十]+ ?(到|至|-) ?[0-9一二三四五六七八九十]+ ?分(制|打分|评分|評分)"
    r"|(满分|滿分)[0-9一二三四五六七八九十百]+ ?分|[0-9]+ ?分制"
    r"|(作为|作為)[^。\n]{0,6}(公正|严格|嚴格|专业|專業|中立)的?(评委|評委|评审|評審|裁判|评估者|評估者)"
)
_ZH_SYNTHETIC: Final = (
    r"|(生成|编写|編寫|写出|寫出|创建|創建|列出|设计|設計|构造|構造|编造|編造|想出)[^。\n]{0,6}"
    r"([0-9]+|[一二三四五六七八九十百千几幾多]+)(个|個|道|条|條|组|組|份)[^。\n]{0,12}(问题|問題"
    r"|题目|題目|例子|示例|样例|樣例|指令|任务|任務|对话|對話|练习|練習|问答|問答|数据|數據)"
    r"|合成数据|合成數據|训练数据|訓練數據|微调数据|微調數據|指令数据|指令數據|指令微调|指令微調"
    r"|(改写|改寫|重写|重寫)[^。\n]{0,20}(更难|更難|更复杂|更複雜|更具挑战|更具挑戰)"
)
_ZH_EVAL: Final = (
    r"|以下是[^。\n]{0,10}(单项|單項|多项|多項)?(选择题|選擇題)|只(需)?(回答|输出|輸出)(选项|選項|字母)"
    r"|(选择|選擇|选出|選出)(正确|正確|最佳)(的)?(答案|选项|選項)"
)

#: Instructions to write out full or internal reasoning (the trace is what a
#: student model is trained on).
REASONING_COERCION: Final = (
    r"(?i)(step[- ]by[- ]step|chain[- ]of[- ]thought|\bcot\b|think (aloud|out loud|carefully"
    r"|through|deeply|hard)|let.?s think|<think>|<thinking>|reasoning (trace|steps|process|chain)"
    r"|before (giving|providing|stating|writing|you give|you state) (your|the|a) (final )?answer"
    r"|justify (your|each|every) (step|answer|claim)|internal (monologue|reasoning|thoughts)"
    r"|(full|complete|entire|raw|detailed|verbatim|unabridged) (reasoning|thinking|thought)"
    r"|" + _VERBS_SHOW + r"[^.\n]{0,40}" + _TRACE_NOUNS + r"|show (all )?(your|the) work"
    + _ZH_REASONING + r")"
)

#: Rubric, grading, reward-model and preference prompts (labels for RLAIF).
RUBRIC_GRADING: Final = (
    r"(?i)(\brubric\b|(rate|score|grade|evaluate|assess|judge|rank|critique) (the|this|each|these"
    r"|following|both|all|every)[^.\n]{0,40}(responses?|answers?|outputs?|completions?|texts?"
    r"|assistants?|generations?|candidates?|replies|summar(y|ies))|on a scale (of|from) [0-9]+"
    r" ?(to|-) ?[0-9]+|(rating|score|grade) (from|between|of) [0-9]+ (and|to|-|out of) ?[0-9]+"
    r"|\b(rating|score|verdict) ?: ?\[|(which|what) (response|answer|output|assistant|completion)"
    r" (is|was) (better|more helpful|preferred|more accurate|best)|reward (model|score|signal)"
    r"|preference (data|pairs?|labels?|judg[e]?ments?)|(helpfulness|harmlessness|honesty"
    r"|truthfulness|instruction[- ]following|factuality)[^.\n]{0,30}(score|rating|criteria"
    r"|assessment|scale)|(pairwise|side-by-side|head-to-head) comparison|as an? (impartial|fair"
    r"|strict|expert) (judge|grader|evaluator|annotator)|\bchosen\b[^.\n]{0,40}\brejected\b"
    r"|give (it|each|every|the responses?|the answers?) a (score|rating|grade)"
    + _ZH_RUBRIC + r")"
)

_NUM_WORD: Final = (
    r"([0-9]+|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|several"
    r"|multiple|many|diverse|new|more|additional)"
)
_ITEM_NOUNS: Final = (
    r"(questions|examples|tasks|instructions|prompts|problems|samples|conversations|dialogues"
    r"|exercises|queries|data ?points|instances|test cases|q&a pairs|question-answer pairs"
    r"|training items|variations|paraphrases|scenarios)"
)

#: Synthetic-data generation: self-instruct, evol-instruct, "generate N questions".
SYNTHETIC_GENERATION: Final = (
    r"(?i)((generate|create|write|produce|compose|draft|list|brainstorm|come up with|propose"
    r"|synthesi[sz]e|invent|design) (me )?(a list of |a set of |a batch of |an array of )?"
    + _NUM_WORD + r" ([a-z-]+ ){0,3}" + _ITEM_NOUNS
    + r"|(list|set|series|batch|collection|array) of [^.\n]{0,30}" + _ITEM_NOUNS
    + r"[^.\n]{0,40}(diverse|varied|different|unique|novel|new)"
    r"|self[- ]instruct|evol[- ]?instruct|synthetic (data|dataset|examples|training|corpus)"
    r"|(training|fine-?tuning|instruction[- ]tuning|sft) (data|dataset|examples|set|corpus)"
    r"|rewrite (the|this|a|given) (given )?(prompt|instruction|question|task)[^.\n]{0,60}(more "
    r"(complex|difficult|challenging|rare|specific)|harder|deeper)|#(given|rewritten|created|new)"
    r" ?prompt#|increase the (difficulty|complexity|depth|breadth)|(more|less) (complex|difficult"
    r"|challenging) version|(diverse|varied) (set of )?(tasks|instructions|topics|questions)"
    r"|(json|jsonl) (list|array|lines) of [^.\n]{0,30}" + _ITEM_NOUNS + _ZH_SYNTHETIC + r")"
)

#: Evaluation-harness phrasing: what researchers running a public benchmark send.
EVAL_HARNESS: Final = (
    r"(?i)(answer with (only |just )?(the |a |one )?(single )?(letter|number|option|choice)"
    r"|the following (are|is) (a )?multiple[- ]choice question|choose (the )?(correct|best|right)"
    r" (answer|option|choice)|respond with (only |just )?(a|one|the) (single )?(letter|word"
    r"|number|option)|(^|\n) ?answer: ?$|\(a\)[^\n]{0,200}\(b\)[^\n]{0,200}\(c\)|\ba\. [^\n]{1,200}"
    r"\n ?b\. |output only the (final )?(answer|label|letter)" + _ZH_EVAL + r")"
)

#: Topic families: the account's breadth of coverage is measured over these.
TOPICS: Final[tuple[tuple[str, str], ...]] = (
    ("math", r"(?i)(equation|integral|derivative|probabilit|theorem|\bprove\b|solve for|calculate"
             r"|how many|how much|polynomial|matrix|arithmetic|algebra|geometry|fraction|percent"
             r"|[0-9] ?[-+*/^=] ?[0-9]"
             r"|方程|积分|積分|导数|導數|概率|定理|证明|證明|计算|計算|多少|矩阵|矩陣|几何|幾何|代数|代數|分数|分數|百分)"),
    ("code", r"(?i)(python|javascript|typescript|function|\bdef |\bclass\b|\bsql\b|\bcode\b|\bbug\b"
             r"|compile|algorithm|regex|\bapi\b|\bjava\b|c\+\+|\brust\b|program|script|debug"
             r"|stack ?trace|html|css"
             r"|代码|代碼|程序|函数|函數|编程|編程|算法|调试|調試|报错|報錯|脚本|腳本|数据库|資料庫)"),
    ("science", r"(?i)(physics|chemistr|biolog|molecul|\bcells?\b|energy|quantum|atom|protein"
                r"|species|climate|planet|evolution|enzyme|electr"
             r"|物理|化学|化學|生物|分子|细胞|細胞|能量|量子|原子|蛋白|物种|物種|气候|氣候|行星|进化|進化)"),
    ("writing", r"(?i)(essay|story|poem|cover letter|e-?mail|rewrite|summari[sz]e|translat|blog"
                r"|article|paragraph|slogan|caption|tweet|speech|lyrics"
             r"|作文|文章|故事|诗|詩|求职信|求職信|邮件|郵件|改写|改寫|总结|總結|摘要|翻译|翻譯|段落|演讲|演講|歌词|歌詞)"),
    ("business", r"(?i)(marketing|customer|sales|business|startup|invoice|product|meeting"
                 r"|strategy|revenue|budget|resume|interview|salary"
             r"|营销|營銷|客户|客戶|销售|銷售|商业|商業|创业|創業|发票|發票|产品|產品|会议|會議|战略|戰略|收入|预算|預算|简历|簡歷|面试|面試|薪资|薪資)"),
    ("health", r"(?i)(health|doctor|symptom|diet|exercise|medicine|sleep|pain|disease|nutrition"
             r"|健康|医生|醫生|症状|症狀|饮食|飲食|锻炼|鍛煉|药|藥|睡眠|疼|疾病|营养|營養)"),
    ("life", r"(?i)(recipe|travel|gift|movie|book|music|game|relationship|advice|hobby|garden"
             r"|pet|dog|cat|friend|party|wedding|vacation"
             r"|菜谱|食谱|食譜|怎么做|旅游|旅遊|旅行|礼物|禮物|电影|電影|书|書|音乐|音樂"
             r"|游戏|遊戲|恋爱|戀愛|建议|建議|爱好|愛好|花园|花園|宠物|寵物|朋友|聚会"
             r"|聚會|婚礼|婚禮|度假)"),
    ("society", r"(?i)(history|politic|law|legal|government|war|religio|philosoph|econom"
                r"|culture|ethic"
             r"|历史|歷史|政治|法律|政府|战争|戰爭|宗教|哲学|哲學|经济|經濟|文化|伦理|倫理)"),
)

#: Reasoning effort values that ask for the longest trace.
HIGH_EFFORT: Final = frozenset({"high", "xhigh", "max", "maximum"})
LARGE_THINKING_BUDGET: Final = 8000
LONG_OUTPUT_TOKENS: Final = 4096
#: How much of a prompt is matched (long documents add cost, not signal): the opening of
#: the system prompt, and the opening and the end of the last user turn. The end counts
#: because an instruction appended after a long document ("... think step by step") is
#: as much an instruction as one in front of it.
SYSTEM_CHARS: Final = 1500
USER_HEAD_CHARS: Final = 2000
USER_TAIL_CHARS: Final = 1000
#: A prompt's topic shows in its opening; only this much is matched for it.
TOPIC_CHARS: Final = 240


@dataclass(frozen=True)
class Family:
    """A named content family and the pattern that recognises it."""

    name: str
    pattern: str
    help: str


FAMILIES: Final = (
    Family("reasoning_coercion", REASONING_COERCION,
           "asks the model to write out its full or internal reasoning"),
    Family("rubric_grading", RUBRIC_GRADING,
           "asks the model to grade, rate or compare outputs (reward/preference labels)"),
    Family("synthetic_generation", SYNTHETIC_GENERATION,
           "asks the model to generate new training items (self-instruct, evol-instruct)"),
    Family("eval_harness", EVAL_HARNESS,
           "benchmark-harness phrasing (multiple choice, answer with the letter)"),
)

_COMPILED: Final = {f.name: re.compile(f.pattern) for f in FAMILIES}
_TOPICS_COMPILED: Final = tuple((name, re.compile(p)) for name, p in TOPICS)


def request_text(view: NormalizedRequest) -> str:
    """What the content families are matched against: the opening of the system prompt,
    and the last user turn whole or, when long, its opening and its end."""
    user = view.last_user_text
    if len(user) > USER_HEAD_CHARS + USER_TAIL_CHARS:
        user = f"{user[:USER_HEAD_CHARS]} {user[-USER_TAIL_CHARS:]}"
    return f"{view.system[:SYSTEM_CHARS]} {user}"


def compiled_family(name: str) -> re.Pattern[str]:
    return _COMPILED[name]


def topic_of(text: str) -> str:
    """First topic family that matches, or ``other``."""
    head = text[:TOPIC_CHARS]
    for name, rx in _TOPICS_COMPILED:
        if rx.search(head):
            return name
    return "other"
