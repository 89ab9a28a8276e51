"""Re-drives a queue's dead-letter messages into it (`make replay QUEUE=analysis`), against
the running `make run` (or, with AWS credentials and CONCERTO_QUEUE_* set, a stack)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from local.runtime import RUNTIME_FILE


def main() -> int:
    from chalicelib import config, resources
    from chalicelib.adapters.aws import client
    from chalicelib.adapters.sqs import redrive_dead_letters

    queues = {queue.name: queue for queue in resources.QUEUES}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queue", choices=sorted(queues))
    parser.add_argument("--limit", type=int, default=10_000)
    args = parser.parse_args()
    if RUNTIME_FILE.exists() and "CONCERTO_QUEUE_ANALYSIS" not in os.environ:
        os.environ.update(json.loads(RUNTIME_FILE.read_text()))
    queue = queues[args.queue]
    url = config.queue_url(queue)
    sqs = client("sqs")
    # The DLQ its redrive policy names (whatever the stack called it).
    policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    dlq_arn = json.loads(policy["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"]
    dlq_url = sqs.get_queue_url(QueueName=dlq_arn.rsplit(":", 1)[1])["QueueUrl"]
    moved = redrive_dead_letters(url, dlq_url, args.limit)
    print(f"{args.queue}: {moved} message(s) moved from the dead-letter queue back to the queue")
    return 0


if __name__ == "__main__":
    sys.exit(main())
