/*
 * joblet/heap.h - a binary heap of the caller's items, each knowing its place.
 *
 * Part of the joblet SDK.  The one heap of joblet: the scheduler core's
 * start times, the daemon's recurring jobs and the priority and fairshare
 * policies all use it, so a policy needs no heap of its own.
 *
 * The heap holds pointers to items it does not own.  Each item has a
 * uint64_t field of its own, its slot, at the same offset in every item
 * (`offsetof(struct my_item, slot)`), where the heap keeps the item's
 * index: so joblet_heap_remove() and joblet_heap_update() find an item in
 * O(1) and take O(log n), like joblet_heap_push() and joblet_heap_pop().  A
 * scheduler policy uses `policy_link[0]` of struct joblet_sched_job as the
 * slot.  The slot is the heap's while the item is in it: do not write it
 * then.  Out of the heap it is JOBLET_HEAP_NONE after joblet_heap_pop() or
 * joblet_heap_remove(), and may hold anything before the first push (the
 * heap never trusts a slot without checking that the item is there).  An
 * item may be in several heaps at once, with a slot for each.
 *
 * The order: each item is pushed with a 64-bit key, and the lowest key
 * comes out first; items with equal keys are ordered by the caller's
 * compare(a, b, userdata): negative when a comes out before b, positive
 * when after, 0 when either may come first.  The key sits in the heap's
 * own array beside the item's pointer, so ordering by key reads no item
 * and the items' memory stays cold; compare() is called only for equal
 * keys.  Use the key for what orders most items (a time: see
 * JOBLET_HEAP_KEY_INT64()), and compare() for the rest (a sequence number,
 * or the whole order when no 64-bit key fits: then push every item with
 * key 0).  A key may also be a coarse, order-keeping digest of a wider key
 * (never ordering two items against their true order), with compare()
 * deciding the exact order of items whose digests are equal.  The heap is
 * not stable: break ties yourself.  compare() must not change the heap.
 * When an item's key or what compare() reads of it changes while it is in
 * the heap, call joblet_heap_update().
 *
 * Memory: the array (a key and a pointer per item) grows by doubling (a
 * push allocates only then) and halves when three quarters of it are
 * unused, so a burst's memory goes back.  Nothing else is allocated.
 *
 * Not thread-safe: one heap, one thread at a time (the scheduler core calls
 * a policy from one thread at a time).
 */
#ifndef JOBLET_HEAP_H
#define JOBLET_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/error.h>

JOBLET_BEGIN_DECLS

/* The slot of an item the heap has let go of (popped or removed). */
#define JOBLET_HEAP_NONE UINT64_MAX

/* A key from a signed 64-bit value (a time in ns), in the same order: lowest first. */
#define JOBLET_HEAP_KEY_INT64(v) ((uint64_t)(int64_t)(v) ^ UINT64_C(0x8000000000000000))

struct joblet_heap;

/*
 * Make an empty heap over items whose slot is the uint64_t at slot_offset
 * bytes into each item, ordered by key and, for equal keys, by compare
 * (see above; NULL: equal keys come out in any order).  userdata is passed
 * to compare() unchanged (borrowed for the heap's life).  *ret is owned by
 * the caller: free it with joblet_heap_free().  Allocates the heap but not
 * yet its array.  Errors: JOBLET_E_NOMEM.
 */
JOBLET_API int joblet_heap_new(int (*compare)(const void *a, const void *b, void *userdata),
			       void *userdata, size_t slot_offset, struct joblet_heap **ret,
			       struct joblet_error **err);

/*
 * Free the heap; NULL is fine.  The items are the caller's and stay as
 * they are (their slots are not reset).
 */
JOBLET_API void joblet_heap_free(struct joblet_heap *h);

/*
 * Put item in with key (item is borrowed: it must stay valid, and keep its
 * place in memory, until it is popped or removed).  item must not be in
 * this heap already.  O(log n).  Errors: JOBLET_E_NOMEM when the array
 * cannot grow; the heap and item are then as they were.
 */
JOBLET_API int joblet_heap_push(struct joblet_heap *h, void *item, uint64_t key,
				struct joblet_error **err);

/* The item that comes out first, left in the heap; NULL when it is empty.  O(1). */
JOBLET_API void *joblet_heap_top(const struct joblet_heap *h);

/* Take out the item that comes out first and return it; NULL when empty.  O(log n). */
JOBLET_API void *joblet_heap_pop(struct joblet_heap *h);

/*
 * Take item out wherever it is.  Does nothing when item is not in this
 * heap (so a caller may remove what it is not sure it pushed).  O(log n).
 */
JOBLET_API void joblet_heap_remove(struct joblet_heap *h, void *item);

/*
 * item's key is now key, or what compare() reads of it changed (re-keyed):
 * move it to its new place.  Does nothing when item is not in this heap.
 * O(log n).
 */
JOBLET_API void joblet_heap_update(struct joblet_heap *h, void *item, uint64_t key);

/* 1 when item is in this heap, else 0.  O(1). */
JOBLET_API int joblet_heap_contains(const struct joblet_heap *h, const void *item);

/* How many items it holds.  O(1). */
JOBLET_API size_t joblet_heap_count(const struct joblet_heap *h);

JOBLET_END_DECLS

#endif /* JOBLET_HEAP_H */
