/*
 * scheduler/fairshare - a fair share of the running jobs for every owner.
 *
 * Jobs are grouped by owner (the client certificate's CN); each owner has a
 * FIFO of its waiting jobs.  The owner served next is the one with the
 * fewest running jobs per unit of weight (running = picked or adopted and
 * not finished yet).  At equal shares, the owner served least recently goes
 * first, then the one whose oldest waiting job came first (lowest seq).
 * Without that middle rule, one slot that frees up after every job would
 * always go to whoever queued first, and a user with 1000 jobs would hold up
 * one with a single job until all 1000 ran.  An owner that appears (new, or
 * back after it was freed) counts as served just before the most recent
 * start: ahead of the owner that was served last, behind all the others.
 * Counting it as never served would let an owner that runs one job at a
 * time (freed after each) take every other slot ahead of everyone.  Strict:
 * when the chosen owner's oldest job does not fit, nothing starts.
 *
 * Owners are found by name in a hash table (the name is copied: job->owner
 * is the core's).  Owners with waiting jobs sit in a heap (<joblet/heap.h>)
 * on the order above, so submit, remove, pick, finished and adopt are
 * O(log owners) (plus the hash lookup).  The heap's key holds the first two
 * rules (fairshare_key()), so most comparisons read no owner; when the
 * weights are such that it cannot, every owner has key 0 and
 * fairshare_compare() decides alone.  An owner with nothing waiting and
 * nothing running is freed.
 *
 * Per job: policy_data = its owner; policy_link[0] = next, [1] = prev in the
 * owner's FIFO.
 */
#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/heap.h>
#include <joblet/scheduler.h>

#define FAIRSHARE_WEIGHT_MAX  1000000
#define FAIRSHARE_MIN_BUCKETS 16

struct fairshare_weight {
	char *name;
	uint64_t weight;
};

/* The `weights` and `default_weight` settings. */
struct fairshare_weights {
	struct fairshare_weight *entries; /* sorted by name */
	size_t n;
	uint64_t default_weight;
};

struct fairshare_owner {
	struct fairshare_owner *hash_next;
	struct joblet_sched_job *head, *tail; /* waiting, oldest first */
	uint64_t waiting, running, weight;
	uint64_t served;     /* the queue's tick at its last start (even) or appearance (odd) */
	uint64_t share_unit; /* key_scale / weight: its share is running * share_unit */
	uint64_t heap_slot;  /* its place in the queue's heap while it has waiting jobs */
	uint64_t hash;
	char name[];
};

struct fairshare_queue {
	struct fairshare_owner **buckets; /* n_buckets, a power of two */
	size_t n_buckets, n_owners;
	struct joblet_heap *heap; /* owners with waiting jobs */
	uint64_t count;		  /* waiting jobs */
	uint64_t tick;		  /* twice the starts so far (pick and adopt) */
	struct fairshare_weights weights;
	uint64_t key_scale; /* a multiple of every weight, for fairshare_key(); 0 = none */
};

/* From joblet.yml; set by init(), copied by create(). */
static struct fairshare_weights fairshare_config = { NULL, 0, 1 };

static const char *const fairshare_settings[] = { "weights", "default_weight", NULL };

#define FAIRSHARE_NEXT(j)	 ((struct joblet_sched_job *)(uintptr_t)(j)->policy_link[0])
#define FAIRSHARE_PREV(j)	 ((struct joblet_sched_job *)(uintptr_t)(j)->policy_link[1])
#define FAIRSHARE_SET_NEXT(j, n) ((j)->policy_link[0] = (uint64_t)(uintptr_t)(n))
#define FAIRSHARE_SET_PREV(j, p) ((j)->policy_link[1] = (uint64_t)(uintptr_t)(p))

/* ------------------------------------------------------------------ settings */

static void fairshare_weights_clear(struct fairshare_weights *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->entries[i].name);
	free(w->entries);
	w->entries = NULL;
	w->n = 0;
	w->default_weight = 1;
}

static int fairshare_weights_copy(const struct fairshare_weights *from,
				  struct fairshare_weights *to)
{
	to->entries = NULL;
	to->n = 0;
	to->default_weight = from->default_weight;
	if (from->n == 0)
		return 0;
	to->entries = calloc(from->n, sizeof(*to->entries));
	if (!to->entries)
		return -1;
	for (; to->n < from->n; to->n++) {
		to->entries[to->n].weight = from->entries[to->n].weight;
		to->entries[to->n].name = strdup(from->entries[to->n].name);
		if (!to->entries[to->n].name) {
			fairshare_weights_clear(to);
			return -1;
		}
	}
	return 0;
}

/* A whole number from 1 to FAIRSHARE_WEIGHT_MAX in s[0..len); -1 for anything else. */
static int fairshare_parse_weight(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > FAIRSHARE_WEIGHT_MAX)
			return -1;
	}
	if (v == 0)
		return -1;
	*ret = v;
	return 0;
}

static int fairshare_weight_cmp(const void *a, const void *b)
{
	const struct fairshare_weight *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int fairshare_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "alice=3, bob=2" into w (sorted); blank entries are skipped. */
static int fairshare_parse_weights(const char *value, struct fairshare_weights *w,
				   struct joblet_error **err)
{
	const char *p = value;
	size_t capacity = 0;

	while (*p) {
		const char *entry, *eq, *end, *name, *name_end, *num;
		size_t len = strcspn(p, ",");
		struct fairshare_weight *grown;
		uint64_t weight;

		entry = p;
		p += len;
		if (*p == ',')
			p++;
		end = entry + len;
		while (entry < end && fairshare_is_blank(*entry))
			entry++;
		while (end > entry && fairshare_is_blank(end[-1]))
			end--;
		if (entry == end)
			continue;
		eq = memchr(entry, '=', (size_t)(end - entry));
		name = entry;
		name_end = eq ? eq : entry;
		while (name_end > name && fairshare_is_blank(name_end[-1]))
			name_end--;
		num = eq ? eq + 1 : end;
		while (num < end && fairshare_is_blank(*num))
			num++;
		if (!eq || name_end == name ||
		    fairshare_parse_weight(num, (size_t)(end - num), &weight) < 0)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"setting `weights`: `%.*s` is not OWNER=WEIGHT (an owner's certificate CN, `=`, a whole number from 1 to %d; entries separated by commas, such as `alice=3, bob=2`)",
				(int)(end - entry > 200 ? 200 : end - entry), entry,
				FAIRSHARE_WEIGHT_MAX);
		if (w->n == capacity) {
			capacity = capacity ? capacity * 2 : 8;
			grown = realloc(w->entries, capacity * sizeof(*grown));
			if (!grown)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot read setting `weights`");
			w->entries = grown;
		}
		w->entries[w->n].name = strndup(name, (size_t)(name_end - name));
		if (!w->entries[w->n].name)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot read setting `weights`");
		w->entries[w->n++].weight = weight;
	}
	if (w->n > 1)
		qsort(w->entries, w->n, sizeof(*w->entries), fairshare_weight_cmp);
	for (size_t i = 1; i < w->n; i++)
		if (strcmp(w->entries[i - 1].name, w->entries[i].name) == 0)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"setting `weights` names `%s` twice; give each owner one weight",
				w->entries[i].name);
	return 0;
}

static int fairshare_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	const char *weights = joblet_plugin_host_setting(host, "weights");
	const char *def = joblet_plugin_host_setting(host, "default_weight");
	struct fairshare_weights w = { NULL, 0, 1 };
	int r;

	fairshare_weights_clear(&fairshare_config);
	if (def && fairshare_parse_weight(def, strlen(def), &w.default_weight) < 0)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"setting `default_weight` must be a whole number from 1 to %d (the weight of owners `weights` does not list), not `%s`",
			FAIRSHARE_WEIGHT_MAX, def);
	if (weights) {
		r = fairshare_parse_weights(weights, &w, err);
		if (r < 0) {
			fairshare_weights_clear(&w);
			return r;
		}
	}
	fairshare_config = w;
	return 0;
}

static void fairshare_fini(void)
{
	fairshare_weights_clear(&fairshare_config);
}

static uint64_t fairshare_weight_of(const struct fairshare_weights *w, const char *name)
{
	struct fairshare_weight key = { (char *)name, 0 };
	const struct fairshare_weight *found = NULL;

	if (w->n)
		found = bsearch(&key, w->entries, w->n, sizeof(*w->entries), fairshare_weight_cmp);

	return found ? found->weight : w->default_weight;
}

/* ------------------------------------------------------------------ the owner heap */

/* Negative when owner a is to be served before b (both have waiting jobs). */
static int fairshare_compare(const void *pa, const void *pb, void *userdata)
{
	const struct fairshare_owner *a = pa, *b = pb;
	/* running/weight compared as running_a * weight_b < running_b * weight_a. */
	uint64_t lhs = a->running * b->weight, rhs = b->running * a->weight;

	(void)userdata;
	if (lhs != rhs)
		return lhs < rhs ? -1 : 1;
	if (a->served != b->served)
		return a->served < b->served ? -1 : 1;
	if (a->head->seq != b->head->seq)
		return a->head->seq < b->head->seq ? -1 : 1;
	return strcmp(a->name, b->name);
}

#define FAIRSHARE_SHARE_BITS  24
#define FAIRSHARE_SERVED_BITS 40
#define FAIRSHARE_SHARE_MAX   ((UINT64_C(1) << FAIRSHARE_SHARE_BITS) - 1)
#define FAIRSHARE_SERVED_MAX  ((UINT64_C(1) << FAIRSHARE_SERVED_BITS) - 1)
#define FAIRSHARE_SCALE_MAX   (UINT64_C(1) << 20)

/*
 * The least common multiple of every weight an owner can have (the listed
 * ones and the default), or 0 when it passes FAIRSHARE_SCALE_MAX.
 */
static uint64_t fairshare_key_scale(const struct fairshare_weights *w)
{
	uint64_t lcm = w->default_weight;

	for (size_t i = 0; i < w->n && lcm; i++) {
		uint64_t a = lcm, b = w->entries[i].weight;

		while (b) {
			uint64_t t = a % b;

			a = b;
			b = t;
		}
		lcm = lcm / a * w->entries[i].weight; /* < 2^20 * 2^20 */
		if (lcm > FAIRSHARE_SCALE_MAX)
			lcm = 0;
	}
	return lcm;
}

/*
 * The heap's key.  An owner's share, running * (key_scale / weight), is
 * running/weight times the same scale for every owner and a whole number,
 * so it orders owners exactly as the first rule does; served, the second
 * rule, goes below it.  served stops at its largest value, and a share too
 * large for its field makes the largest key: neither ever reverses two
 * owners (equal keys go to fairshare_compare()).  Without a scale: 0.
 */
static uint64_t fairshare_key(const struct fairshare_owner *o)
{
	if (!o->share_unit)
		return 0;
	if (o->running > FAIRSHARE_SHARE_MAX / o->share_unit)
		return UINT64_MAX;
	return o->running * o->share_unit << FAIRSHARE_SERVED_BITS |
	       (o->served < FAIRSHARE_SERVED_MAX ? o->served : FAIRSHARE_SERVED_MAX);
}

/* ------------------------------------------------------------------ owners */

/* FNV-1a. */
static uint64_t fairshare_hash(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static struct fairshare_owner *fairshare_owner_find(const struct fairshare_queue *q,
						    const char *name, uint64_t hash)
{
	struct fairshare_owner *o = q->buckets[hash & (q->n_buckets - 1)];

	for (; o; o = o->hash_next)
		if (o->hash == hash && strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* Twice the buckets; on failure the table keeps working, only fuller. */
static void fairshare_rehash(struct fairshare_queue *q)
{
	size_t n = q->n_buckets * 2;
	struct fairshare_owner **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < q->n_buckets; i++) {
		struct fairshare_owner *o = q->buckets[i], *next;

		for (; o; o = next) {
			next = o->hash_next;
			o->hash_next = b[o->hash & (n - 1)];
			b[o->hash & (n - 1)] = o;
		}
	}
	free(q->buckets);
	q->buckets = b;
	q->n_buckets = n;
}

/* The owner of that name, made when new; NULL when out of memory. */
static struct fairshare_owner *fairshare_owner_get(struct fairshare_queue *q, const char *name)
{
	uint64_t hash;
	size_t len;
	struct fairshare_owner *o;

	name = name ? name : "";
	hash = fairshare_hash(name);
	o = fairshare_owner_find(q, name, hash);
	if (o)
		return o;
	len = strlen(name);
	o = calloc(1, sizeof(*o) + len + 1);
	if (!o)
		return NULL;
	memcpy(o->name, name, len + 1);
	o->hash = hash;
	o->weight = fairshare_weight_of(&q->weights, o->name);
	o->share_unit = q->key_scale / o->weight;
	o->heap_slot = JOBLET_HEAP_NONE;
	/* Just before whoever started a job last (see the top of this file). */
	o->served = q->tick ? q->tick - 1 : 0;
	o->hash_next = q->buckets[hash & (q->n_buckets - 1)];
	q->buckets[hash & (q->n_buckets - 1)] = o;
	if (++q->n_owners > q->n_buckets)
		fairshare_rehash(q);
	return o;
}

/* Free an owner with nothing waiting and nothing running. */
static void fairshare_owner_release(struct fairshare_queue *q, struct fairshare_owner *o)
{
	struct fairshare_owner **link;

	if (o->waiting || o->running)
		return;
	link = &q->buckets[o->hash & (q->n_buckets - 1)];
	while (*link != o)
		link = &(*link)->hash_next;
	*link = o->hash_next;
	q->n_owners--;
	free(o);
}

static void fairshare_owner_unlink(struct fairshare_owner *o, struct joblet_sched_job *job)
{
	struct joblet_sched_job *next = FAIRSHARE_NEXT(job), *prev = FAIRSHARE_PREV(job);

	if (prev)
		FAIRSHARE_SET_NEXT(prev, next);
	else
		o->head = next;
	if (next)
		FAIRSHARE_SET_PREV(next, prev);
	else
		o->tail = prev;
	FAIRSHARE_SET_NEXT(job, NULL);
	FAIRSHARE_SET_PREV(job, NULL);
	job->policy_data = NULL;
	o->waiting--;
}

/* ------------------------------------------------------------------ ops */

static void fairshare_destroy(void *state)
{
	struct fairshare_queue *q = state;

	if (!q)
		return;
	for (size_t i = 0; q->buckets && i < q->n_buckets; i++) {
		struct fairshare_owner *o = q->buckets[i], *next;

		for (; o; o = next) {
			next = o->hash_next;
			free(o);
		}
	}
	free(q->buckets);
	joblet_heap_free(q->heap);
	fairshare_weights_clear(&q->weights);
	free(q);
}

static int fairshare_create(void **ret_state, struct joblet_error **err)
{
	struct fairshare_queue *q = calloc(1, sizeof(*q));

	if (!q)
		goto nomem;
	q->n_buckets = FAIRSHARE_MIN_BUCKETS;
	q->buckets = calloc(q->n_buckets, sizeof(*q->buckets));
	if (!q->buckets || fairshare_weights_copy(&fairshare_config, &q->weights) < 0 ||
	    joblet_heap_new(fairshare_compare, NULL, offsetof(struct fairshare_owner, heap_slot),
			    &q->heap, NULL) < 0)
		goto nomem;
	q->key_scale = fairshare_key_scale(&q->weights);
	*ret_state = q;
	return 0;
nomem:
	fairshare_destroy(q);
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create the fair-share queue");
}

static int fairshare_submit(void *state, struct joblet_sched_job *job, int64_t now_ns,
			    struct joblet_error **err)
{
	struct fairshare_queue *q = state;
	struct fairshare_owner *o = fairshare_owner_get(q, job->owner);

	(void)now_ns;
	if (!o)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot queue job `%s`: out of memory",
					job->id ? job->id : "?");
	job->policy_data = o;
	FAIRSHARE_SET_NEXT(job, NULL);
	FAIRSHARE_SET_PREV(job, o->tail);
	if (o->tail)
		FAIRSHARE_SET_NEXT(o->tail, job);
	else
		o->head = job;
	o->tail = job;
	o->waiting++;
	if (!joblet_heap_contains(q->heap, o) &&
	    joblet_heap_push(q->heap, o, fairshare_key(o), NULL) < 0) {
		fairshare_owner_unlink(o, job);
		fairshare_owner_release(q, o);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot queue job `%s`: out of memory",
					job->id ? job->id : "?");
	}
	q->count++;
	return 0;
}

static void fairshare_remove(void *state, struct joblet_sched_job *job)
{
	struct fairshare_queue *q = state;
	struct fairshare_owner *o = job->policy_data;
	int was_head;

	if (!o)
		return;
	was_head = o->head == job;
	fairshare_owner_unlink(o, job);
	q->count--;
	if (o->waiting == 0) {
		joblet_heap_remove(q->heap, o);
		fairshare_owner_release(q, o);
	} else if (was_head) {
		joblet_heap_update(q->heap, o, fairshare_key(o));
	}
}

static struct joblet_sched_job *
fairshare_pick(void *state, const struct joblet_sched_capacity *free_cap, int64_t now_ns)
{
	struct fairshare_queue *q = state;
	struct fairshare_owner *o = joblet_heap_top(q->heap);
	struct joblet_sched_job *job;

	(void)now_ns;
	if (!o)
		return NULL;
	job = o->head;
	/* Strict: the owner whose turn it is keeps it until its job fits. */
	if (!joblet_sched_fits(free_cap, job))
		return NULL;
	fairshare_owner_unlink(o, job);
	q->count--;
	o->running++;
	q->tick += 2;
	o->served = q->tick;
	if (o->waiting == 0)
		joblet_heap_remove(q->heap, o);
	else
		joblet_heap_update(q->heap, o, fairshare_key(o));
	return job;
}

static void fairshare_finished(void *state, const struct joblet_sched_job *job, int64_t now_ns)
{
	struct fairshare_queue *q = state;
	const char *name = job->owner ? job->owner : "";
	struct fairshare_owner *o = fairshare_owner_find(q, name, fairshare_hash(name));

	(void)now_ns;
	if (!o || o->running == 0)
		return;
	o->running--;
	if (joblet_heap_contains(q->heap, o))
		joblet_heap_update(q->heap, o, fairshare_key(o));
	else
		fairshare_owner_release(q, o);
}

static void fairshare_adopt(void *state, const struct joblet_sched_job *job, int64_t now_ns)
{
	struct fairshare_queue *q = state;
	struct fairshare_owner *o = fairshare_owner_get(q, job->owner);

	(void)now_ns;
	if (!o) {
		joblet_plog_warning(
			"out of memory: job `%s` of `%s` is not counted in its owner's share",
			job->id ? job->id : "?", job->owner ? job->owner : "");
		return;
	}
	o->running++;
	q->tick += 2;
	o->served = q->tick;
	joblet_heap_update(q->heap, o, fairshare_key(o)); /* nothing when it has no waiting jobs */
}

static struct joblet_sched_job *fairshare_peek(void *state, int64_t now_ns)
{
	struct fairshare_owner *o = joblet_heap_top(((struct fairshare_queue *)state)->heap);

	(void)now_ns;
	return o ? o->head : NULL;
}

static uint64_t fairshare_count(void *state)
{
	return ((struct fairshare_queue *)state)->count;
}

static const struct joblet_scheduler_ops fairshare_ops = {
	.size = sizeof(struct joblet_scheduler_ops),
	.create = fairshare_create,
	.destroy = fairshare_destroy,
	.submit = fairshare_submit,
	.remove = fairshare_remove,
	.pick = fairshare_pick,
	.finished = fairshare_finished,
	.count = fairshare_count,
	.peek = fairshare_peek,
	.adopt = fairshare_adopt,
};

JOBLET_PLUGIN_DEFINE(
	JOBLET_KIND_SCHEDULER, "fairshare", .version = "1.0.0",
	.summary =
		"fair share between owners: the one with the fewest running jobs per weight goes next; its oldest job waits until it fits",
	.license = "Apache-2.0", .settings = fairshare_settings, .init = fairshare_init,
	.fini = fairshare_fini, .ops = &fairshare_ops);
