package aws

import (
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/source/manifest"
	"github.com/eksguard/eksguard/pkg/target"
)

// IRSAAnnotation names the IAM role of a service account.
const IRSAAnnotation = "eks.amazonaws.com/role-arn"

// AddServiceAccounts reads the cluster's ServiceAccounts from manifest files, directories
// or kubectl output (YAML or JSON, Lists included) and stores them in the snapshot, so that
// the IRSA and Pod Identity checks can match roles and service accounts. Unreadable inputs
// are input errors naming the file.
func (s Store) AddServiceAccounts(paths []string) []finding.InputError {
	opts := manifest.Options{Limits: manifest.DefaultLimits(), FullMetadata: true}
	out := target.ServiceAccountsAnswer{Sources: paths, ServiceAccounts: []target.ServiceAccount{}}
	var errs []finding.InputError
	errs = append(errs, manifest.Walk(paths, func(in manifest.Input) {
		data, err := manifest.Read(in, nil, opts.Limits.MaxFileBytes)
		if err != nil {
			errs = append(errs, finding.InputError{Input: in.Name, Message: err.Error()})
			return
		}
		res := manifest.Load(in.Name, data, opts)
		errs = append(errs, res.Errors...)
		for _, t := range res.Targets {
			o, ok := t.(target.Objecter)
			if !ok {
				continue
			}
			obj := o.AsObject()
			if obj.Kind != "ServiceAccount" || obj.APIVersion != "v1" {
				continue
			}
			ns := obj.Meta.Namespace
			if ns == "" {
				ns = "default"
			}
			out.ServiceAccounts = append(out.ServiceAccounts, target.ServiceAccount{Namespace: ns, Name: obj.Meta.Name, RoleArn: obj.Meta.Annotations[IRSAAnnotation]})
		}
	})...)
	_ = s.Put(FileServiceAccounts, out)
	return errs
}
