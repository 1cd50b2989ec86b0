/*
 * The API's job JSON: the body of POST /v1/jobs read as the daemon reads
 * it (core/daemon/server.c request_json, api_jobs.c): strict JSON, the
 * schema's fields (core/lib/job/job_schema.c), the uploads
 * (core/common/uploads.c), validation (core/lib/job/job_spec.c), then the
 * spec written to spec.json and read back, and the answer.
 */
#include "fuzz.h"

#include <json.h>

#include "common/uploads.h"
#include "config/config.h"
#include "job/job_schema.h"
#include "job/job_spec.h"

static struct jl_config *cfg;

static json_object *parse_strict(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	json_object *o;

	if (size == 0 || size > INT32_MAX || memchr(data, '\0', size))
		return NULL;
	tok = json_tokener_new_ex(64);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  json_tokener_get_parse_end(tok) != size ||
		  !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* spec.json written and read back. */
static void round_trip(const struct jl_job_spec *spec)
{
	struct jl_job_spec *again = NULL;
	char *json = NULL;

	if (jl_job_spec_to_json(spec, &json, NULL) < 0)
		return;
	if (jl_job_spec_from_json(json, &again, NULL) < 0)
		abort();
	jl_job_spec_free(again);
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jl_uploads up = { NULL, 0 };
	struct jl_job_request_in in = { size % 2 == 0, jl_uploads_decode, &up };
	struct joblet_error *e = NULL;
	struct jl_job_spec *spec = NULL;
	json_object *o;
	char *pub = NULL, *text;

	if (!cfg && jl_config_defaults(&cfg, NULL) < 0)
		abort();
	/* spec.json from the job folder (read again at restart). */
	text = fuzz_str(data, size);
	if (text && jl_job_spec_from_json(text, &spec, NULL) == 0)
		jl_job_spec_free(spec);
	spec = NULL;
	free(text);
	o = parse_strict(data, size);
	if (!o)
		return 0;
	if (jl_job_spec_from_request(o, &in, &spec, &e) == 0) {
		joblet_error_free(e);
		e = NULL;
		if (jl_job_spec_validate(cfg, spec, &e) == 0) {
			round_trip(spec);
			if (jl_job_spec_to_answer(spec, jl_uploads_paths(&up), &pub, NULL) == 0)
				free(pub);
		}
		jl_job_spec_free(spec);
	}
	joblet_error_free(e);
	jl_uploads_done(&up);
	json_object_put(o);
	return 0;
}
