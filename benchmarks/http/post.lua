-- POSTs comments with ids unique across wrk threads and runs, cycling through realistic texts.
-- wrk -s post.lua <url> -- <run-id>
local texts = {
  "The report is one-sided: it quotes three ministers and not a single farmer affected by the new water policy. Please talk to the people in the delta before writing about them again.",
  "You are a complete idiot if you believe a word of this, and the author is a paid hack who should be ashamed of himself for writing such garbage about our country.",
  "Prices in Cairo went up again this month. My family now spends twice what we spent last year on bread and oil, and salaries have not moved at all. When will this end?",
  "The minister stole the aid money and everyone knows it. He should be in prison, not on television giving speeches about transparency and reform.",
  "I disagree with the writer about the election, but it is a fair and careful article. Thank you for publishing the numbers from every district instead of only the capital.",
  "All of them are traitors and should be thrown out of the country, every last one. They do not belong here and never will, no matter what the government says.",
}
local run_id = "run"
local thread_ids = 0
local counter = 0
local thread_id = 0

function setup(thread)
  thread_ids = thread_ids + 1
  thread:set("thread_id", thread_ids)
end

function init(args)
  if args[1] then run_id = args[1] end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1]
  local body = string.format('{"comment_id":"%s-%d-%d","article_id":"a-%d","author_id":"u-%d","text":"%s"}',
    run_id, thread_id, counter, counter % 50, counter % 997, text)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %.3f %.3f %.3f\n",
    summary.requests, summary.duration, errors.connect + errors.read + errors.write + errors.timeout,
    errors.status, latency.min, latency.max,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
