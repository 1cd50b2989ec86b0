/*
 * rnx ui: the dashboard.  Plain JavaScript, no library, no build step.
 *
 * Every request goes to the rnx that served this page (/api/v1/... is the
 * node's /v1/..., docs/api.md); rnx makes it with the user's certificate.
 * Pages are drawn with DOM calls only (never parsed as HTML), so text from the
 * node (commands, logs, messages) is always text.
 */
'use strict';

(function () {
	/* ------------------------------------------------------------ helpers */

	function h(tag, attrs, ...kids) {
		const el = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === null || v === undefined || v === false)
				continue;
			if (k === 'class')
				el.className = v;
			else if (k === 'text')
				el.textContent = v;
			else if (k.startsWith('on'))
				el.addEventListener(k.slice(2), v);
			else
				el.setAttribute(k, v === true ? '' : String(v));
		}
		for (const c of kids.flat(3)) {
			if (c === null || c === undefined || c === false)
				continue;
			el.append(c instanceof Node ? c : String(c));
		}
		return el;
	}

	/* Replace el's children with kids (nested arrays flattened, null and false left out). */
	function fill(el, ...kids) {
		el.replaceChildren();
		for (const c of kids.flat(3)) {
			if (c === null || c === undefined || c === false)
				continue;
			el.append(c instanceof Node ? c : String(c));
		}
		return el;
	}

	const SVG = 'http://www.w3.org/2000/svg';

	function svg(tag, attrs) {
		const el = document.createElementNS(SVG, tag);
		for (const [k, v] of Object.entries(attrs || {}))
			el.setAttribute(k, String(v));
		return el;
	}

	function sleep(ms, signal) {
		return new Promise((resolve) => {
			const t = setTimeout(resolve, ms);
			if (signal)
				signal.addEventListener('abort', () => {
					clearTimeout(t);
					resolve();
				});
		});
	}

	function bytes(n) {
		if (n === null || n === undefined)
			return '–';
		const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
		let i = 0;
		let v = Number(n);
		while (v >= 1024 && i < u.length - 1) {
			v /= 1024;
			i++;
		}
		return (i === 0 ? String(v) : v.toFixed(v < 10 ? 1 : 0)) + ' ' + u[i];
	}

	function duration(s) {
		if (s === null || s === undefined || !isFinite(s))
			return '–';
		s = Math.max(0, Math.round(s));
		if (s < 60)
			return s + ' s';
		const two = (a, ua, b, ub) => a + ' ' + ua + (b ? ' ' + b + ' ' + ub : '');
		if (s < 3600)
			return two(Math.floor(s / 60), 'min', s % 60, 's');
		if (s < 86400)
			return two(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
		return two(Math.floor(s / 86400), 'd', Math.floor((s % 86400) / 3600), 'h');
	}

	function when(iso) {
		if (!iso)
			return '–';
		const d = new Date(iso);
		if (isNaN(d))
			return iso;
		const now = new Date();
		const sameDay = d.toDateString() === now.toDateString();
		return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
	}

	function timeEl(iso) {
		return iso ? h('time', { datetime: iso, title: iso }, when(iso)) : '–';
	}

	function shortId(id) {
		return id ? id.slice(0, 8) : '';
	}

	const ENDED = ['COMPLETED', 'FAILED', 'STOPPED', 'CANCELED', 'TIMEOUT', 'OOM_KILLED'];
	const STATES = ['PENDING', 'SCHEDULED', 'RUNNING'].concat(ENDED);

	function stateEl(state, id) {
		return h('span', { class: 'state ' + state, id: id || null }, state);
	}

	/* ------------------------------------------------------------ the API */

	class ApiError extends Error {
		constructor(status, code, message) {
			super(message);
			this.status = status;
			this.code = code;
		}
	}

	function errorOf(status, text) {
		let data = null;
		try {
			data = JSON.parse(text);
		} catch (e) {
			data = null;
		}
		const e = data && data.error;
		if (e && e.message)
			return new ApiError(status, e.code || 'http', e.message);
		if (status === 401)
			return new ApiError(401, 'permission',
				'this page lost its token: open the address `rnx ui` printed again');
		return new ApiError(status, 'http', 'HTTP ' + status + (text ? ': ' + text.slice(0, 200) : ''));
	}

	const UNREACHABLE = 'the dashboard cannot be reached: is `rnx ui` still running? Start it again and open the address it prints';

	async function api(method, path, body, signal) {
		const opt = { method, headers: { Accept: 'application/json' }, signal, credentials: 'same-origin' };
		if (body !== undefined) {
			opt.body = JSON.stringify(body);
			opt.headers['Content-Type'] = 'application/json';
		}
		let res;
		try {
			res = await fetch('/api' + path, opt);
		} catch (e) {
			if (e.name === 'AbortError')
				throw e;
			throw new ApiError(0, 'network', UNREACHABLE);
		}
		const text = await res.text();
		if (!res.ok)
			throw errorOf(res.status, text);
		return text ? JSON.parse(text) : null;
	}

	/*
	 * Follow an event stream: onEvent({event, data, id}) for each event.
	 * A connection that is lost before one of the `until` events is opened
	 * again with Last-Event-ID, so nothing is missed or repeated.
	 * onState('open' | 'lost' | 'end' | 'error', error).
	 */
	function follow(path, opts) {
		const ctl = new AbortController();
		const until = opts.until || ['exit'];
		let lastId = '';
		let finished = false;
		let failures = 0;

		function dispatch(ev) {
			if (ev.event === 'error') {
				finished = true;
				opts.onState('error', errorOf(200, ev.data));
				return;
			}
			opts.onEvent(ev);
			if (until.includes(ev.event))
				finished = true;
		}

		async function read(res) {
			const reader = res.body.getReader();
			const dec = new TextDecoder();
			let buf = '';
			let ev = { event: '', data: [] };
			for (;;) {
				const { value, done } = await reader.read();
				if (done)
					return;
				buf += dec.decode(value, { stream: true });
				let nl;
				while ((nl = buf.indexOf('\n')) >= 0) {
					let line = buf.slice(0, nl);
					buf = buf.slice(nl + 1);
					if (line.endsWith('\r'))
						line = line.slice(0, -1);
					if (line === '') {
						if (ev.data.length || ev.event)
							dispatch({ event: ev.event || 'message', data: ev.data.join('\n'), id: lastId });
						ev = { event: '', data: [] };
						if (finished)
							return;
						continue;
					}
					if (line.startsWith(':'))
						continue;
					const c = line.indexOf(':');
					const field = c < 0 ? line : line.slice(0, c);
					let val = c < 0 ? '' : line.slice(c + 1);
					if (val.startsWith(' '))
						val = val.slice(1);
					if (field === 'data')
						ev.data.push(val);
					else if (field === 'event')
						ev.event = val;
					else if (field === 'id' && !val.includes('\0'))
						lastId = val;
				}
			}
		}

		async function run() {
			while (!ctl.signal.aborted) {
				const headers = { Accept: 'text/event-stream' };
				if (lastId)
					headers['Last-Event-ID'] = lastId;
				const opt = { method: opts.method || 'GET', headers, signal: ctl.signal, credentials: 'same-origin' };
				if (opts.body !== undefined) {
					opt.body = JSON.stringify(opts.body);
					headers['Content-Type'] = 'application/json';
				}
				try {
					const res = await fetch('/api' + path, opt);
					if (!res.ok) {
						opts.onState('error', errorOf(res.status, await res.text()));
						return;
					}
					failures = 0;
					opts.onState('open');
					await read(res);
				} catch (e) {
					if (ctl.signal.aborted)
						return;
				}
				if (finished || opts.resume === false) {
					opts.onState('end');
					return;
				}
				failures++;
				opts.onState('lost');
				await sleep(Math.min(500 * failures, 5000), ctl.signal);
			}
		}

		run();
		return { stop: () => ctl.abort() };
	}

	/* A timer that calls fn now and then every ms while the tab is visible. */
	function poller(fn, ms) {
		let timer = null;
		let stopped = false;
		async function tick() {
			timer = null;
			if (stopped)
				return;
			if (!document.hidden)
				await fn();
			if (!stopped)
				timer = setTimeout(tick, ms);
		}
		tick();
		return {
			stop() {
				stopped = true;
				if (timer)
					clearTimeout(timer);
			},
			now() {
				if (timer)
					clearTimeout(timer);
				tick();
			},
		};
	}

	/* ------------------------------------------------------------ who am I */

	const RANK = { reader: 0, viewer: 0, developer: 1, maintainer: 2, admin: 3 };
	let me = null;

	function may(least) {
		return me !== null && (RANK[me.role] ?? -1) >= RANK[least];
	}

	function showAlert(text) {
		const a = document.getElementById('alert');
		a.textContent = text || '';
		a.hidden = !text;
	}

	function errorBox(e) {
		return h('p', { class: 'error', role: 'alert' }, e.message || String(e));
	}

	/* ------------------------------------------------------------ jobs page */

	const jobFilter = { state: '', owner: '', text: '' };
	const jobDetails = new Map(); /* id -> the job's GET answer, for limits and usage */

	function limitsText(spec) {
		if (!spec)
			return '…';
		const parts = [];
		parts.push('CPU ' + (spec.max_cpu > 0 ? spec.max_cpu + '%' : '∞'));
		parts.push('mem ' + (spec.max_memory > 0 ? bytes(spec.max_memory * 1048576) : '∞'));
		parts.push('time ' + (spec.timeout > 0 ? duration(spec.timeout) : '∞'));
		return parts.join(' · ');
	}

	function usageText(job, top) {
		const t = top.get(job.id);
		if (t && (t.cpu_percent !== undefined || t.memory_bytes !== undefined))
			return 'CPU ' + Number(t.cpu_percent || 0).toFixed(1) + '% · ' + bytes(t.memory_bytes);
		const d = jobDetails.get(job.id);
		if (d && ENDED.includes(d.state))
			return 'CPU ' + duration((d.cpu_usec || 0) / 1e6) + ' · peak ' + bytes(d.memory_peak_bytes);
		return '–';
	}

	function jobMatches(j) {
		const f = jobFilter;
		if (f.state === 'active' && ENDED.includes(j.state))
			return false;
		if (f.state && f.state !== 'active' && j.state !== f.state)
			return false;
		if (f.owner && j.owner !== f.owner)
			return false;
		if (f.text) {
			const t = f.text.toLowerCase();
			if (![j.id, j.name || '', j.command || ''].some((s) => s.toLowerCase().includes(t)))
				return false;
		}
		return true;
	}

	async function fetchDetails(jobs, signal) {
		/* Limits never change, and an ended job's usage neither: fetch each once. */
		const want = jobs.filter((j) => {
			const d = jobDetails.get(j.id);
			return !d || (!ENDED.includes(d.state) && ENDED.includes(j.state));
		}).slice(0, 40);
		for (const j of want) {
			if (signal.aborted)
				return;
			try {
				jobDetails.set(j.id, await api('GET', '/v1/jobs/' + j.id, undefined, signal));
			} catch (e) {
				if (e.name === 'AbortError')
					return;
			}
		}
	}

	function pageJobs(main) {
		const ctl = new AbortController();
		const status = h('p', { class: 'status-line', role: 'status', id: 'jobs-status' }, 'Loading…');
		const err = h('div');
		const owners = h('datalist', { id: 'owners' });
		const tbody = h('tbody');
		let jobs = [];
		let top = new Map();

		const stateSel = h('select', { id: 'f-state', onchange: (e) => { jobFilter.state = e.target.value; draw(); } },
			h('option', { value: '' }, 'All'),
			h('option', { value: 'active' }, 'Waiting or running'),
			STATES.map((s) => h('option', { value: s }, s)));
		stateSel.value = jobFilter.state;
		const ownerIn = h('input', { id: 'f-owner', list: 'owners', value: jobFilter.owner, autocomplete: 'off',
			oninput: (e) => { jobFilter.owner = e.target.value.trim(); draw(); } });
		const textIn = h('input', { id: 'f-text', type: 'search', value: jobFilter.text, placeholder: 'id, name or command',
			oninput: (e) => { jobFilter.text = e.target.value.trim(); draw(); } });

		main.append(
			h('h1', {}, 'Jobs'),
			h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the jobs', onsubmit: (e) => e.preventDefault() },
				h('div', {}, h('label', { for: 'f-state' }, 'State'), stateSel),
				h('div', {}, h('label', { for: 'f-owner' }, 'Owner'), ownerIn, owners),
				h('div', {}, h('label', { for: 'f-text' }, 'Search'), textIn)),
			status, err,
			h('div', { class: 'table-wrap' },
				h('table', { class: 'cards', id: 'jobs' },
					h('caption', { class: 'sr-only' }, 'Jobs, newest first'),
					h('thead', {}, h('tr', {},
						['Job', 'State', 'Owner', 'Command', 'Created', 'Started', 'Ran', 'Limits', 'Usage']
							.map((t) => h('th', { scope: 'col' }, t)))),
					tbody)));

		function row(j) {
			const end = j.ended ? Date.parse(j.ended) : Date.now();
			const ran = j.started ? duration((end - Date.parse(j.started)) / 1000) : '–';
			const d = jobDetails.get(j.id);
			const link = h('a', { href: '#/job/' + j.id, 'aria-label': 'job ' + (j.name || j.id) },
				j.name || shortId(j.id));
			return h('tr', { 'data-id': j.id, 'data-state': j.state },
				h('td', { 'data-label': 'Job' }, link),
				h('td', { 'data-label': 'State' }, stateEl(j.state)),
				h('td', { 'data-label': 'Owner' }, j.owner),
				h('td', { 'data-label': 'Command', class: 'cmd' }, j.command),
				h('td', { 'data-label': 'Created' }, timeEl(j.created)),
				h('td', { 'data-label': 'Started' }, j.started ? timeEl(j.started) : (j.scheduled ? h('span', {}, 'at ', timeEl(j.scheduled)) : '–')),
				h('td', { 'data-label': 'Ran' }, ran),
				h('td', { 'data-label': 'Limits' }, limitsText(d && d.spec)),
				h('td', { 'data-label': 'Usage' }, usageText(j, top)));
		}

		function draw() {
			const shown = jobs.filter(jobMatches);
			const focused = document.activeElement && document.activeElement.closest &&
				document.activeElement.closest('#jobs tr');
			const focusId = focused ? focused.dataset.id : null;
			fill(tbody, ...shown.map(row));
			if (!shown.length)
				tbody.append(h('tr', {}, h('td', { colspan: 9 },
					jobs.length ? 'No job matches the filters.' : 'No jobs yet. Run one with `rnx job run -- CMD`.')));
			if (focusId) {
				const a = tbody.querySelector('tr[data-id="' + focusId + '"] a');
				if (a)
					a.focus();
			}
			fill(owners, ...[...new Set(jobs.map((j) => j.owner))].map((o) => h('option', { value: o })));
		}

		const poll = poller(async () => {
			try {
				const [list, t] = await Promise.all([
					api('GET', '/v1/jobs', undefined, ctl.signal),
					api('GET', '/v1/monitor/top?limit=1000', undefined, ctl.signal).catch(() => []),
				]);
				jobs = list.slice().reverse();
				top = new Map((t || []).map((x) => [x.id, x]));
				fill(err);
				draw();
				status.textContent = jobs.length + ' jobs · live, updated ' + new Date().toLocaleTimeString();
				await fetchDetails(jobs.filter(jobMatches), ctl.signal);
				draw();
			} catch (e) {
				if (e.name === 'AbortError')
					return;
				fill(err, errorBox(e));
				status.textContent = 'Not updated: see the message below.';
			}
		}, 2000);

		return () => {
			poll.stop();
			ctl.abort();
		};
	}

	/* ------------------------------------------------------------ job page */

	function decodeLog(data) {
		let o;
		try {
			o = JSON.parse(data);
		} catch (e) {
			return data;
		}
		if (typeof o.data === 'string')
			return o.data;
		if (typeof o.b64 === 'string') {
			const bin = atob(o.b64);
			const u8 = Uint8Array.from(bin, (c) => c.charCodeAt(0));
			return new TextDecoder().decode(u8);
		}
		return '';
	}

	function chart(title, unit) {
		const line = svg('polyline', { points: '' });
		const box = svg('svg', { viewBox: '0 0 300 100', preserveAspectRatio: 'none', role: 'img', 'aria-label': title });
		box.append(line);
		const cap = h('figcaption', {}, title);
		const fig = h('figure', { class: 'chart' }, cap, box);
		return {
			el: fig,
			draw(values, max, label) {
				const m = Math.max(max || 0, ...values, 1e-9);
				const n = values.length;
				line.setAttribute('points', values.map((v, i) =>
					(n === 1 ? 300 : (i * 300) / (n - 1)).toFixed(1) + ',' + (100 - (v / m) * 96).toFixed(1)).join(' '));
				cap.textContent = title + ': ' + label;
				box.setAttribute('aria-label', title + ' over the last ' + n + ' samples, now ' + label + ' (' + unit + ')');
			},
		};
	}

	function pageJob(main, id) {
		const ctl = new AbortController();
		const streams = [];
		let job = null;
		let poll = null;

		const title = h('h1', {}, 'Job ', shortId(id));
		const stateBox = h('span', {});
		const actions = h('div', { class: 'actions' });
		const actionMsg = h('div', { class: 'status-line', role: 'status', id: 'action-status' });
		const facts = h('dl', { class: 'facts', id: 'facts' });
		const err = h('div');
		const logStatus = h('p', { class: 'status-line', role: 'status', id: 'log-status' }, 'Connecting…');
		const log = h('pre', { class: 'log', id: 'log', tabindex: '0', 'aria-label': 'The job\'s output', 'aria-live': 'off' });
		const usageFacts = h('p', { id: 'usage-now' }, 'No samples yet.');
		const cpuChart = chart('CPU', 'percent of one core');
		const memChart = chart('Memory', 'bytes');
		const limits = h('dl', { class: 'facts' });
		const spec = h('pre', { class: 'spec', tabindex: '0', 'aria-label': 'The job\'s spec as JSON' });
		const history = h('tbody');
		const samples = [];

		function toggle(cls, label, checked) {
			const cb = h('input', { type: 'checkbox', checked: checked, onchange: (e) => log.classList.toggle(cls, !e.target.checked) });
			return h('label', {}, cb, label);
		}

		main.append(
			h('p', {}, h('a', { href: '#/jobs' }, '← All jobs')),
			title, h('p', {}, 'State: ', stateBox),
			actions, actionMsg, err,
			h('section', { 'aria-labelledby': 'h-log' },
				h('h2', { id: 'h-log' }, 'Log'),
				h('div', { class: 'log-tools' },
					toggle('hide-out', 'stdout', true),
					toggle('hide-err', h('span', { class: 'legend-err' }, 'stderr (marked red, with a bar)'), true),
					toggle('hide-sys', 'joblet notes', true)),
				logStatus, log),
			h('div', { class: 'cols' },
				h('section', { 'aria-labelledby': 'h-sum' }, h('h2', { id: 'h-sum' }, 'Summary'), facts),
				h('section', { 'aria-labelledby': 'h-use' }, h('h2', { id: 'h-use' }, 'Usage'), usageFacts,
					h('div', { class: 'charts' }, cpuChart.el, memChart.el))),
			h('div', { class: 'cols' },
				h('section', { 'aria-labelledby': 'h-lim' }, h('h2', { id: 'h-lim' }, 'Limits'), limits),
				h('section', { 'aria-labelledby': 'h-hist' }, h('h2', { id: 'h-hist' }, 'History'),
					h('table', {}, h('caption', { class: 'sr-only' }, 'State changes'),
						h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Reason'))),
						history))),
			h('section', { 'aria-labelledby': 'h-spec' }, h('h2', { id: 'h-spec' }, 'Spec'), spec));

		function fact(dl, k, v) {
			dl.append(h('dt', {}, k), h('dd', {}, v));
		}

		let actionsFor = null;
		function drawActions() {
			/* Redrawn only when the state changes: a button is never replaced under a click. */
			if (!job || actionsFor === job.state)
				return;
			actionsFor = job.state;
			fill(actions);
			const waiting = job.state === 'PENDING' || job.state === 'SCHEDULED';
			const buttons = [];
			if (job.state === 'RUNNING')
				buttons.push(['stop', 'Stop', 'danger']);
			if (waiting)
				buttons.push(['cancel', 'Cancel', 'danger']);
			if (ENDED.includes(job.state))
				buttons.push(['delete', 'Delete', '']);
			if (!buttons.length)
				return;
			if (!may('developer')) {
				actions.append(h('p', { class: 'muted' }, 'Your role (' + (me ? me.role : '?') +
					') may not stop, cancel or delete jobs.'));
				return;
			}
			for (const [verb, label, cls] of buttons)
				actions.append(h('button', { type: 'button', class: cls, id: 'btn-' + verb, onclick: () => act(verb) }, label));
		}

		async function act(verb) {
			if (verb === 'delete' && !window.confirm('Delete job ' + id + ', its log and its files?'))
				return;
			actionMsg.textContent = verb === 'stop' ? 'Stopping…' : verb === 'cancel' ? 'Canceling…' : 'Deleting…';
			for (const b of actions.querySelectorAll('button'))
				b.disabled = true;
			try {
				if (verb === 'delete') {
					await api('DELETE', '/v1/jobs/' + id);
					location.hash = '#/jobs';
					return;
				}
				await api('POST', '/v1/jobs/' + id + '/' + verb);
				actionMsg.textContent = verb === 'stop' ? 'Stop asked.' : 'Cancel asked.';
			} catch (e) {
				fill(actionMsg, errorBox(e));
				for (const b of actions.querySelectorAll('button'))
					b.disabled = false;
			}
			if (poll)
				poll.now();
		}

		function drawJob() {
			title.textContent = job.name ? job.name : 'Job ' + shortId(job.id);
			fill(stateBox, stateEl(job.state, 'job-state'));
			document.title = (job.name || shortId(job.id)) + ' · ' + job.state + ' · joblet';
			fill(facts);
			fact(facts, 'ID', h('code', {}, job.id));
			fact(facts, 'Command', h('code', {}, job.command));
			fact(facts, 'Owner', job.owner + (job.owner_role ? ' (' + job.owner_role + ')' : ''));
			if (job.waiting)
				fact(facts, 'Waiting', job.waiting);
			fact(facts, 'Created', timeEl(job.created));
			if (job.scheduled)
				fact(facts, 'Scheduled', timeEl(job.scheduled));
			fact(facts, 'Started', timeEl(job.started));
			fact(facts, 'Ended', timeEl(job.ended));
			if (job.started)
				fact(facts, 'Ran', duration(((job.ended ? Date.parse(job.ended) : Date.now()) - Date.parse(job.started)) / 1000));
			if (job.exit_code !== null && job.exit_code !== undefined)
				fact(facts, 'Exit code', String(job.exit_code) + (job.signal ? ' (signal ' + job.signal + ')' : ''));
			if (job.reason)
				fact(facts, 'Reason', job.reason);
			if (job.cron)
				fact(facts, 'Cron', job.cron + (job.runs !== undefined ? ' (' + job.runs + ' runs)' : ''));
			if (job.parent)
				fact(facts, 'Made by', h('a', { href: '#/job/' + job.parent }, shortId(job.parent)));
			if (job.log_dropped_bytes)
				fact(facts, 'Log dropped', bytes(job.log_dropped_bytes));
			const s = job.spec || {};
			fill(limits);
			fact(limits, 'CPU', s.max_cpu > 0 ? s.max_cpu + '% of a core' : 'no limit');
			fact(limits, 'Memory', s.max_memory > 0 ? bytes(s.max_memory * 1048576) : 'no limit');
			fact(limits, 'Disk (/work)', s.max_disk > 0 ? bytes(s.max_disk * 1048576) : 'no limit');
			fact(limits, 'Disk IO', s.max_iobps > 0 ? bytes(s.max_iobps) + '/s' : 'no limit');
			fact(limits, 'Processes', s.max_pids > 0 ? String(s.max_pids) : 'default');
			fact(limits, 'Time', s.timeout > 0 ? duration(s.timeout) : 'no limit');
			fact(limits, 'Log', s.max_log > 0 ? bytes(s.max_log * 1048576) : 'default');
			if (s.runtime)
				fact(limits, 'Runtime', s.runtime);
			if (s.network && s.network !== 'none')
				fact(limits, 'Network', s.network);
			spec.textContent = JSON.stringify(s, null, 2);
			fill(history, ...(job.events || []).map((ev) =>
				h('tr', {}, h('td', {}, timeEl(ev.time)), h('td', {}, stateEl(ev.state)), h('td', {}, ev.reason || ''))));
			drawActions();
		}

		async function load() {
			try {
				job = await api('GET', '/v1/jobs/' + id, undefined, ctl.signal);
				fill(err);
				drawJob();
				if (ENDED.includes(job.state) && poll)
					poll.stop();
			} catch (e) {
				if (e.name === 'AbortError')
					return;
				fill(err, errorBox(e));
				if (e.status === 404 && poll)
					poll.stop();
			}
		}

		/* The log: stdout, stderr and joblet's notes told apart. */
		let shownBytes = 0;
		let resumed = 0;
		function append(kind, text) {
			const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
			const span = h('span', { class: kind }, text);
			if (kind === 'err')
				span.title = 'stderr';
			log.append(span);
			shownBytes += text.length;
			while (shownBytes > 2e6 && log.firstChild) {
				shownBytes -= log.firstChild.textContent.length;
				log.firstChild.remove();
			}
			if (atEnd)
				log.scrollTop = log.scrollHeight;
		}

		streams.push(follow('/v1/jobs/' + id + '/logs?follow=1', {
			onEvent(ev) {
				if (ev.event === 'stdout')
					append('out', decodeLog(ev.data));
				else if (ev.event === 'stderr')
					append('err', decodeLog(ev.data));
				else if (ev.event === 'system')
					append('sys', 'joblet: ' + decodeLog(ev.data) + '\n');
				else if (ev.event === 'exit') {
					let x = {};
					try {
						x = JSON.parse(ev.data);
					} catch (e) {
						x = {};
					}
					logStatus.textContent = 'Ended: ' + (x.state || '?') +
						(x.exit_code !== null && x.exit_code !== undefined ? ', exit code ' + x.exit_code : '') + '.';
					logStatus.dataset.state = 'ended';
					load();
				}
			},
			onState(st, e) {
				if (st === 'open')
					logStatus.textContent = 'Following the log live…' +
						(resumed ? ' (resumed after ' + resumed + ' lost connection' + (resumed > 1 ? 's)' : ')') : '');
				else if (st === 'lost') {
					resumed++;
					logStatus.dataset.resumed = resumed;
					logStatus.textContent = 'Connection lost; resuming where it stopped…';
				}
				else if (st === 'error')
					logStatus.textContent = 'The log cannot be shown: ' + e.message;
				logStatus.dataset.state = st;
			},
		}));

		streams.push(follow('/v1/jobs/' + id + '/metrics?follow=1', {
			onEvent(ev) {
				if (ev.event !== 'sample')
					return;
				let s;
				try {
					s = JSON.parse(ev.data);
				} catch (e) {
					return;
				}
				samples.push(s);
				if (samples.length > 240)
					samples.shift();
				usageFacts.textContent = 'CPU ' + Number(s.cpu_percent || 0).toFixed(1) + '% · memory ' +
					bytes(s.memory_bytes) + ' (peak ' + bytes(s.memory_peak_bytes) + ') · ' + (s.pids || 0) +
					' processes · read ' + bytes(s.io_read_bytes) + ', written ' + bytes(s.io_write_bytes) +
					(s.final ? ' · final sample' : '');
				cpuChart.draw(samples.map((x) => Number(x.cpu_percent || 0)), 100,
					Number(s.cpu_percent || 0).toFixed(1) + '%');
				const lim = job && job.spec && job.spec.max_memory > 0 ? job.spec.max_memory * 1048576 : 0;
				memChart.draw(samples.map((x) => Number(x.memory_bytes || 0)), lim, bytes(s.memory_bytes));
			},
			onState(st, e) {
				if (st === 'error')
					usageFacts.textContent = 'Usage cannot be shown: ' + e.message;
			},
		}));

		poll = poller(load, 2000);

		return () => {
			poll.stop();
			ctl.abort();
			for (const s of streams)
				s.stop();
		};
	}

	/* ------------------------------------------------------------ runtimes page */

	function pageRuntimes(main) {
		const ctl = new AbortController();
		const installed = h('div', { id: 'runtimes-installed' }, 'Loading…');
		const offered = h('div', { id: 'runtimes-offered' });
		const progress = h('div', { id: 'install-progress', 'aria-live': 'polite' });
		const regIn = h('input', { id: 'registry', placeholder: 'the node\'s registry (joblet.yml)', size: 30 });
		let install = null;

		main.append(
			h('h1', {}, 'Runtimes'),
			h('section', { 'aria-labelledby': 'h-inst' }, h('h2', { id: 'h-inst' }, 'Installed on the node'), installed),
			h('section', { 'aria-labelledby': 'h-off' }, h('h2', { id: 'h-off' }, 'Offered by a registry'),
				h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); loadOffered(); } },
					h('div', { class: 'field' }, h('label', { for: 'registry' }, 'Registry (empty: the node\'s own)'), regIn),
					h('button', { type: 'submit', id: 'btn-registry' }, 'Show what it offers')),
				may('maintainer') ? null : h('p', { class: 'muted' },
					'Installing needs the maintainer role (yours: ' + (me ? me.role : '?') + '); naming another registry than the node\'s needs it too.'),
				progress, offered));

		async function loadInstalled() {
			try {
				const r = await api('GET', '/v1/runtimes', undefined, ctl.signal);
				const list = r.runtimes || [];
				const rows = list.map((rt) => {
					const spec = rt.name && rt.version ? rt.name + '@' + rt.version : rt.id;
					return h('tr', {},
						h('td', { 'data-label': 'Runtime' }, h('code', {}, spec)),
						h('td', { 'data-label': 'About' }, rt.description || ''),
						h('td', { 'data-label': 'Path' }, h('code', {}, rt.path || '')),
						h('td', { 'data-label': 'Remove' }, may('admin')
							? h('button', { type: 'button', onclick: () => remove(spec) }, 'Remove')
							: h('span', { class: 'muted' }, 'admin only')));
				});
				fill(installed,
					list.length ? h('table', { class: 'cards' },
						h('thead', {}, h('tr', {}, ['Runtime', 'About', 'Path', ''].map((t) => h('th', { scope: 'col' }, t)))),
						h('tbody', {}, rows))
						: h('p', {}, 'No runtimes are installed in ', h('code', {}, r.dir || '?'), '.'),
					(r.problems || []).map((p) => h('p', { class: 'error' }, '`' + p.path + '` is not a usable runtime: ' + p.error)));
			} catch (e) {
				if (e.name !== 'AbortError')
					fill(installed, errorBox(e));
			}
		}

		async function remove(spec) {
			if (!window.confirm('Remove runtime ' + spec + ' from the node?'))
				return;
			try {
				await api('DELETE', '/v1/runtimes/' + encodeURIComponent(spec).replace(/%40/g, '@'));
			} catch (e) {
				installed.prepend(errorBox(e));
				return;
			}
			loadInstalled();
		}

		async function loadOffered() {
			fill(offered, h('p', {}, 'Asking the registry…'));
			const reg = regIn.value.trim();
			try {
				const r = await api('GET', '/v1/runtimes?registry=' + encodeURIComponent(reg), undefined, ctl.signal);
				const rows = [];
				for (const rt of r.runtimes || []) {
					for (const v of rt.versions || []) {
						const spec = rt.name + '@' + v.version;
						const sup = v.supported !== false;
						rows.push(h('tr', {},
							h('td', { 'data-label': 'Runtime' }, h('code', {}, spec)),
							h('td', { 'data-label': 'About' }, v.description || ''),
							h('td', { 'data-label': 'State' }, v.installed ? 'installed' : sup ? 'available' : 'not for this host'),
							h('td', { 'data-label': 'Install' }, !may('maintainer') ? h('span', { class: 'muted' }, 'maintainer only')
								: h('button', { type: 'button', disabled: !sup, onclick: () => start(spec, reg, v.installed) },
									v.installed ? 'Install again' : 'Install'))));
					}
				}
				fill(offered,
					h('p', { class: 'muted' }, 'Registry ', h('code', {}, r.registry || reg || '?'), r.platform ? ' · this host: ' + r.platform : ''),
					rows.length ? h('table', { class: 'cards' },
						h('thead', {}, h('tr', {}, ['Runtime', 'About', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
						h('tbody', {}, rows)) : h('p', {}, 'This registry offers no runtimes.'));
			} catch (e) {
				if (e.name !== 'AbortError')
					fill(offered, errorBox(e));
			}
		}

		function start(spec, reg, force) {
			if (install)
				return;
			const bar = h('progress', { max: 1, value: 0, id: 'install-bar', 'aria-label': 'Installing ' + spec });
			const text = h('p', { class: 'status-line', role: 'status', id: 'install-status' }, 'Installing ' + spec + '…');
			fill(progress, h('div', { class: 'card' }, h('strong', {}, 'Install ' + spec), bar, text));
			const body = { spec };
			if (reg)
				body.registry = reg;
			if (force)
				body.force = true;
			install = follow('/v1/runtimes/install', {
				method: 'POST', body, resume: false, until: ['result'],
				onEvent(ev) {
					let d = {};
					try {
						d = JSON.parse(ev.data);
					} catch (e) {
						d = {};
					}
					if (ev.event === 'progress') {
						if (d.total > 0) {
							bar.max = d.total;
							bar.value = d.done;
						} else {
							bar.removeAttribute('value');
						}
						text.textContent = d.phase + (d.total > 0 ? ' ' + bytes(d.done) + ' of ' + bytes(d.total) : '') +
							(d.rate_bps ? ' at ' + bytes(d.rate_bps) + '/s' : '') + (d.message ? ': ' + d.message : '');
					} else if (ev.event === 'result') {
						bar.max = 1;
						bar.value = 1;
						text.textContent = (d.already_installed ? 'Already installed: ' : 'Installed: ') + d.name + ' ' + d.version +
							(d.path ? ' at ' + d.path : '') + '.';
					}
				},
				onState(st, e) {
					if (st === 'error')
						fill(text, errorBox(e));
					if (st === 'error' || st === 'end') {
						install = null;
						loadInstalled();
						if (st === 'end')
							loadOffered();
					}
				},
			});
		}

		loadInstalled();
		return () => {
			ctl.abort();
			if (install)
				install.stop();
		};
	}

	/* ------------------------------------------------------------ node page */

	function meterRow(id, label, used, total, text) {
		const known = total !== null && total !== undefined && total > 0;
		return h('div', { class: 'meter-row' },
			h('label', { for: known ? id : null }, h('span', {}, label), h('span', {}, text)),
			known ? h('meter', { id, min: 0, max: total, value: Math.min(used, total), low: total * 0.7, high: total * 0.9, optimum: 0 })
				: null);
	}

	function pageNode(main) {
		const ctl = new AbortController();
		const err = h('div');
		const host = h('dl', { class: 'facts', id: 'node-host' });
		const use = h('div', { class: 'meters', id: 'node-use' });
		const budgets = h('div', { class: 'meters', id: 'node-budgets' });
		const waiting = h('div', { id: 'node-waiting' }, 'Loading…');
		const status = h('p', { class: 'status-line', role: 'status' });

		main.append(h('h1', {}, 'Node'), status, err,
			h('section', { 'aria-labelledby': 'h-host' }, h('h2', { id: 'h-host' }, 'Host'), host),
			h('section', { 'aria-labelledby': 'h-nuse' }, h('h2', { id: 'h-nuse' }, 'Use'), use),
			h('section', { 'aria-labelledby': 'h-bud' }, h('h2', { id: 'h-bud' }, 'Scheduler capacity used'), budgets),
			h('section', { 'aria-labelledby': 'h-wait' }, h('h2', { id: 'h-wait' }, 'Waiting jobs and why'), waiting));

		function draw(s) {
			fill(host);
			const f = (k, v) => host.append(h('dt', {}, k), h('dd', {}, v));
			f('Name', s.hostname);
			f('joblet', s.version);
			f('Kernel', s.kernel + ' (' + s.arch + ')');
			f('Up', duration(s.uptime_seconds));
			f('CPUs', String(s.cpu.count) + ', load ' + (s.cpu.load || []).map((x) => Number(x).toFixed(2)).join(' '));
			f('Jobs', s.jobs.running + ' running, ' + s.jobs.waiting + ' waiting');
			fill(use,
				meterRow('m-cpu', 'CPU', s.cpu.usage_percent, 100, Number(s.cpu.usage_percent).toFixed(1) + '%'),
				meterRow('m-mem', 'Memory', s.memory.used_bytes, s.memory.total_bytes,
					bytes(s.memory.used_bytes) + ' of ' + bytes(s.memory.total_bytes)),
				s.swap && s.swap.total_bytes ? meterRow('m-swap', 'Swap', s.swap.used_bytes, s.swap.total_bytes,
					bytes(s.swap.used_bytes) + ' of ' + bytes(s.swap.total_bytes)) : null,
				(s.disks || []).map((d, i) => meterRow('m-disk' + i, 'Disk ' + d.name + ' (' + d.path + ')',
					d.used_bytes, d.size_bytes, bytes(d.used_bytes) + ' of ' + bytes(d.size_bytes))));
			const b = s.scheduler || {};
			const row = (key, label, fmt) => {
				const x = b[key];
				if (!x)
					return null;
				return meterRow('b-' + key, label, x.used, x.total,
					fmt(x.used) + (x.total === null ? ' (no limit)' : ' of ' + fmt(x.total)));
			};
			fill(budgets,
				row('jobs', 'Running jobs', String),
				row('cpu_percent', 'CPU (percent of a core)', (v) => v + '%'),
				row('memory_bytes', 'Memory', bytes),
				row('disk_bytes', 'Disk', bytes),
				row('cores', 'Pinned cores', String));
		}

		async function loadWaiting() {
			const list = (await api('GET', '/v1/jobs', undefined, ctl.signal))
				.filter((j) => j.state === 'PENDING' || j.state === 'SCHEDULED');
			const rows = [];
			for (const j of list.slice(0, 25)) {
				let why = '';
				try {
					why = (await api('GET', '/v1/jobs/' + j.id, undefined, ctl.signal)).waiting || '';
				} catch (e) {
					if (e.name === 'AbortError')
						throw e;
					why = e.message;
				}
				rows.push(h('tr', {},
					h('td', { 'data-label': 'Job' }, h('a', { href: '#/job/' + j.id }, j.name || shortId(j.id))),
					h('td', { 'data-label': 'State' }, stateEl(j.state)),
					h('td', { 'data-label': 'Owner' }, j.owner),
					h('td', { 'data-label': 'Why' }, why || (j.state === 'SCHEDULED' ? 'waits for its start time' : '–'))));
			}
			fill(waiting, rows.length ? h('table', { class: 'cards' },
				h('thead', {}, h('tr', {}, ['Job', 'State', 'Owner', 'Why'].map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', {}, rows)) : h('p', {}, 'No job you may see is waiting.'),
			list.length > 25 ? h('p', { class: 'muted' }, (list.length - 25) + ' more wait.') : null);
		}

		const poll = poller(async () => {
			try {
				draw(await api('GET', '/v1/monitor/status', undefined, ctl.signal));
				await loadWaiting();
				fill(err);
				status.textContent = 'Live, updated ' + new Date().toLocaleTimeString();
			} catch (e) {
				if (e.name !== 'AbortError')
					fill(err, errorBox(e));
			}
		}, 3000);
		return () => {
			poll.stop();
			ctl.abort();
		};
	}

	/* ------------------------------------------------------------ routing */

	const pages = { jobs: pageJobs, job: pageJob, runtimes: pageRuntimes, node: pageNode };
	const titles = { jobs: 'Jobs', job: 'Job', runtimes: 'Runtimes', node: 'Node' };
	let leave = null;

	function route() {
		if (leave)
			leave();
		leave = null;
		const m = /^#\/([a-z]+)(?:\/([0-9a-zA-Z._@-]+))?$/.exec(location.hash) || [null, 'jobs', null];
		const name = pages[m[1]] ? m[1] : 'jobs';
		for (const a of document.querySelectorAll('nav a'))
			if (a.dataset.page === (name === 'job' ? 'jobs' : name))
				a.setAttribute('aria-current', 'page');
			else
				a.removeAttribute('aria-current');
		document.title = titles[name] + ' · joblet';
		const main = document.getElementById('main');
		fill(main);
		leave = pages[name](main, m[2] || null) || null;
	}

	async function start() {
		const who = document.getElementById('who');
		try {
			me = await api('GET', '/v1/version');
			who.textContent = 'node ' + me.node + ' · ' + me.you + ' (' + me.role + ') · joblet ' + me.version;
			showAlert('');
		} catch (e) {
			showAlert(e.message);
		}
		window.addEventListener('hashchange', () => {
			route();
			document.getElementById('main').focus({ preventScroll: true });
		});
		route();
	}

	start();
})();
