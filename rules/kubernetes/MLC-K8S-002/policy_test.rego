package mlcheck.rules.k8s_002_test

import data.mlcheck.rules.k8s_002
import rego.v1

pod(attrs) := {"kind": "resource", "attrs": object.union({"type": "k8s_workload", "name": "churn",
	"model_server": "mlflow", "privileged": false, "host_network": false, "non_root_enforced": true,
	"unpinned_images": []}, attrs)}

test_clean_model_pod_passes if {
	count(k8s_002.insecure_model_pods) == 0 with input.nodes as {"p": pod({})}
}

test_each_problem_flagged if {
	every attrs in [{"privileged": true}, {"host_network": true}, {"non_root_enforced": false}, {"unpinned_images": ["mlflow:2"]}] {
		count(k8s_002.insecure_model_pods) == 1 with input.nodes as {"p": pod(attrs)}
	}
}

test_not_a_model_server_ignored if {
	count(k8s_002.insecure_model_pods) == 0 with input.nodes as {"p": pod({"model_server": null, "privileged": true})}
}

test_unknown_fact_cannot_be_evaluated if {
	node := json.remove(pod({"unknown": {"privileged": {"expression": "x", "reason": "r"}}}), ["attrs/privileged"])
	some item in k8s_002.insecure_model_pods with input.nodes as {"p": node}
	item.cannot_evaluate == true
}
