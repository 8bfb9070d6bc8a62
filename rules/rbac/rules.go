package rbac

import "github.com/eksguard/eksguard/pkg/rule"

// Rules lists the RBAC rules.
func Rules() []rule.Rule {
	return []rule.Rule{
		ClusterAdmin(),
		SecretsAccess(),
		Wildcards(),
		CreatePods(),
		DefaultServiceAccountBound(),
		DefaultServiceAccountAutomount(),
		BindEscalateImpersonate(),
		CreatePersistentVolumes(),
		NodesProxy(),
		WebhookConfigurations(),
		ServiceAccountTokenCreate(),
		MissingRole(),
		AnonymousBinding(),
		AWSAuthMasters(),
	}
}
