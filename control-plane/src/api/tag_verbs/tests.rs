use plemu_proto::pb;

use crate::api::testing::*;

fn tag(key: &str, value: &str) -> pb::Tag {
    pb::Tag {
        key: key.into(),
        value: value.into(),
    }
}

fn create(resources: &[&str], tags: Vec<pb::Tag>) -> pb::CreateTagsRequest {
    pb::CreateTagsRequest {
        resources: resources.iter().map(|r| r.to_string()).collect(),
        tags,
    }
}

async fn describe(
    ec2: &mut Ec2,
    filters: Vec<pb::Filter>,
) -> Vec<(String, String, String, String)> {
    ec2.describe_tags(pb::DescribeTagsRequest {
        filters,
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .tags
    .into_iter()
    .map(|t| (t.resource_id, t.resource_type, t.key, t.value))
    .collect()
}

/// Reference §2 (tags): CreateTags, DeleteTags and DescribeTags on every EC2 resource kind, the
/// limits and AWS's codes, all-or-nothing calls, DescribeTags' filters, and the owner only.
#[tokio::test]
async fn ec2_tag_verbs_follow_aws_rules() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let (cvpc, csubnet) = consumer_vpc(&s, "us-east-1a").await;
    let (mut ec2, mut cec2) = (s.ec2(PROVIDER), s.ec2(CONSUMER));
    let e = cec2
        .create_vpc_endpoint(endpoint_request(&p.service_name, &cvpc, &csubnet))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap();
    let group = cec2
        .describe_security_groups(pb::DescribeSecurityGroupsRequest {
            filters: vec![filter("vpc-id", &cvpc)],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .security_groups
        .remove(0)
        .group_id;

    // Every kind takes tags, and Describe* shows them.
    for id in [&cvpc, &csubnet, &group, &e.vpc_endpoint_id] {
        cec2.create_tags(create(&[id], vec![tag("env", "dev"), tag("team", "")]))
            .await
            .unwrap();
    }
    ec2.create_tags(create(&[&p.service_id, &p.vpc], vec![tag("env", "prod")]))
        .await
        .unwrap();
    let shown = describe_endpoint(&mut cec2, &e.vpc_endpoint_id).await.tags;
    assert_eq!(shown, vec![tag("env", "dev"), tag("team", "")]);
    let all = describe(&mut cec2, vec![]).await;
    assert_eq!(all.len(), 8, "{all:?}");
    let types: Vec<&str> = all.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(
        types,
        [
            "security-group",
            "security-group",
            "subnet",
            "subnet",
            "vpc",
            "vpc",
            "vpc-endpoint",
            "vpc-endpoint"
        ]
    );
    // Filters (§2): key, value, resource-id, resource-type, tag:<key>, wildcards.
    let rows = [
        (vec![filter("resource-type", "vpc")], 2),
        (vec![filter("resource-id", &csubnet)], 2),
        (vec![filter("key", "team")], 4),
        (vec![filter("value", "de?")], 4),
        (
            vec![filter("tag:env", "dev"), filter("resource-type", "vpc*")],
            2,
        ),
        (vec![filter("tag-key", "env")], 4),
    ];
    for (filters, n) in rows {
        assert_eq!(
            describe(&mut cec2, filters.clone()).await.len(),
            n,
            "{filters:?}"
        );
    }
    let err = cec2
        .describe_tags(pb::DescribeTagsRequest {
            filters: vec![filter("owner-id", "x")],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        (code(&err), err.message()),
        ("InvalidParameterValue", "The filter 'owner-id' is invalid")
    );
    // The provider sees its own only, the service included.
    let mine = describe(
        &mut ec2,
        vec![filter("resource-type", "vpc-endpoint-service")],
    )
    .await;
    assert_eq!(
        mine,
        vec![(
            p.service_id.clone(),
            "vpc-endpoint-service".into(),
            "env".into(),
            "prod".into()
        )]
    );

    // A key already there takes the new value.
    cec2.create_tags(create(&[&cvpc], vec![tag("env", "test")]))
        .await
        .unwrap();
    let vpc_tags = describe(&mut cec2, vec![filter("resource-id", &cvpc)]).await;
    assert_eq!(vpc_tags[0].3, "test");

    // Refusals, each with AWS's code; none changes anything.
    let forty_nine: Vec<pb::Tag> = (0..49).map(|i| tag(&format!("k{i}"), "v")).collect();
    let cases: Vec<(pb::CreateTagsRequest, &str)> = vec![
        (create(&[&cvpc], forty_nine.clone()), "TagLimitExceeded"),
        (
            create(&[&cvpc], vec![tag("aws:x", "")]),
            "InvalidParameterValue",
        ),
        (
            create(&[&cvpc], vec![tag(&"k".repeat(129), "")]),
            "InvalidParameterValue",
        ),
        (
            create(&[&cvpc], vec![tag("k", &"v".repeat(257))]),
            "InvalidParameterValue",
        ),
        (create(&[&cvpc], vec![]), "MissingParameter"),
        (create(&[], vec![tag("a", "")]), "MissingParameter"),
        (
            create(&["i-0123456789abcdef0"], vec![tag("a", "")]),
            "InvalidID",
        ),
        (
            create(&["vpc-123"], vec![tag("a", "")]),
            "InvalidVpcID.Malformed",
        ),
        (
            create(&[&cvpc, "vpc-0123456789abcdef0"], vec![tag("a", "")]),
            "InvalidVpcID.NotFound",
        ),
        (
            create(&["subnet-0123456789abcdef0"], vec![tag("a", "")]),
            "InvalidSubnetID.NotFound",
        ),
        (
            create(&["sg-0123456789abcdef0"], vec![tag("a", "")]),
            "InvalidGroup.NotFound",
        ),
        // Another account's resource is not found.
        (
            create(&[&p.service_id], vec![tag("a", "")]),
            "InvalidVpcEndpointServiceId.NotFound",
        ),
        (
            create(&[&p.vpc], vec![tag("a", "")]),
            "InvalidVpcID.NotFound",
        ),
    ];
    for (req, want) in cases {
        let err = cec2.create_tags(req.clone()).await.unwrap_err();
        assert_eq!(code(&err), want, "{req:?}: {}", err.message());
    }
    assert_eq!(
        describe(&mut cec2, vec![filter("resource-id", &cvpc)])
            .await
            .len(),
        2
    );
    // Exactly 50 fit (48 more beside env and team).
    cec2.create_tags(create(&[&cvpc], forty_nine[..48].to_vec()))
        .await
        .unwrap();
    assert_eq!(
        describe(&mut cec2, vec![filter("resource-id", &cvpc)])
            .await
            .len(),
        50
    );

    // DeleteTags: by key, by key and value (only on a match), all, never `aws:`.
    let del = |id: &str, tags: Vec<(&str, Option<&str>)>| pb::DeleteTagsRequest {
        resources: vec![id.to_string()],
        tags: tags
            .into_iter()
            .map(|(k, v)| pb::DeleteTag {
                key: k.into(),
                value: v.map(str::to_string),
            })
            .collect(),
    };
    cec2.delete_tags(del(
        &csubnet,
        vec![("env", Some("other")), ("team", Some(""))],
    ))
    .await
    .unwrap();
    let left = describe(&mut cec2, vec![filter("resource-id", &csubnet)]).await;
    assert_eq!(
        left.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(),
        ["env"]
    );
    cec2.delete_tags(del(&group, vec![("env", None)]))
        .await
        .unwrap();
    let left = describe(&mut cec2, vec![filter("resource-id", &group)]).await;
    assert_eq!(
        left.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(),
        ["team"]
    );
    cec2.delete_tags(del(&cvpc, vec![])).await.unwrap();
    assert!(
        describe(&mut cec2, vec![filter("resource-id", &cvpc)])
            .await
            .is_empty()
    );
    let err = cec2
        .delete_tags(del(&group, vec![("aws:x", None)]))
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidParameterValue");
    let err = cec2.delete_tags(del(&p.vpc, vec![])).await.unwrap_err();
    assert_eq!(code(&err), "InvalidVpcID.NotFound");

    // Tags survive a restart (they are in the store).
    drop((ec2, cec2));
    s.stop().await;
    let s = Server::start(dir.path()).await;
    let mut cec2 = s.ec2(CONSUMER);
    assert_eq!(describe(&mut cec2, vec![]).await.len(), 4);
}

/// Reference §2 (tags): ELBv2's AddTags, RemoveTags and DescribeTags on load balancers, target
/// groups and listeners, with TooManyTags, DuplicateTagKeys, ValidationError and the NotFound
/// codes.
#[tokio::test]
async fn elbv2_tag_verbs_follow_aws_rules() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let (mut elb, mut other) = (s.elb(PROVIDER), s.elb(CONSUMER));
    let listener = first_listener(&mut elb, &p.lb_arn).await;
    let add = |arns: &[&str], tags: Vec<pb::Tag>| pb::AddTagsRequest {
        resource_arns: arns.iter().map(|a| a.to_string()).collect(),
        tags,
    };
    elb.add_tags(add(
        &[&p.lb_arn, &p.tg_arn, &listener],
        vec![tag("env", "dev")],
    ))
    .await
    .unwrap();
    elb.add_tags(add(
        &[&p.lb_arn],
        vec![tag("env", "prod"), tag("team", "a")],
    ))
    .await
    .unwrap();
    let describe = |arns: &[&str]| pb::DescribeElbTagsRequest {
        resource_arns: arns.iter().map(|a| a.to_string()).collect(),
    };
    let d = elb
        .describe_tags(describe(&[&p.lb_arn, &listener]))
        .await
        .unwrap()
        .into_inner()
        .tag_descriptions;
    assert_eq!(d[0].resource_arn, p.lb_arn);
    assert_eq!(d[0].tags, vec![tag("env", "prod"), tag("team", "a")]);
    assert_eq!(d[1].tags, vec![tag("env", "dev")]);

    let forty_nine: Vec<pb::Tag> = (0..49).map(|i| tag(&format!("k{i}"), "")).collect();
    let missing_lb = p
        .lb_arn
        .replace(&p.lb_arn[p.lb_arn.len() - 16..], "0123456789abcdef");
    let missing_tg = p
        .tg_arn
        .replace(&p.tg_arn[p.tg_arn.len() - 16..], "0123456789abcdef");
    let cases: Vec<(pb::AddTagsRequest, &str)> = vec![
        (add(&[&p.lb_arn], forty_nine), "TooManyTags"),
        (
            add(&[&p.lb_arn], vec![tag("a", ""), tag("a", "b")]),
            "DuplicateTagKeys",
        ),
        (add(&[&p.lb_arn], vec![tag("aws:a", "")]), "ValidationError"),
        (add(&[&p.lb_arn], vec![]), "ValidationError"),
        (
            add(&["arn:aws:ec2:x"], vec![tag("a", "")]),
            "ValidationError",
        ),
        (
            add(&[&p.tg_arn, &missing_lb], vec![tag("a", "")]),
            "LoadBalancerNotFound",
        ),
        (
            add(&[&missing_tg], vec![tag("a", "")]),
            "TargetGroupNotFound",
        ),
    ];
    for (req, want) in cases {
        let err = elb.add_tags(req.clone()).await.unwrap_err();
        assert_eq!(code(&err), want, "{req:?}: {}", err.message());
    }
    // Another account's resources are not found.
    let err = other
        .describe_tags(describe(&[&listener]))
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ListenerNotFound");
    let many: Vec<&str> = std::iter::repeat_n(p.lb_arn.as_str(), 21).collect();
    let err = elb.describe_tags(describe(&many)).await.unwrap_err();
    assert_eq!(code(&err), "ValidationError");
    // Nothing changed on the target group through the refused call.
    let d = elb
        .describe_tags(describe(&[&p.tg_arn]))
        .await
        .unwrap()
        .into_inner()
        .tag_descriptions;
    assert_eq!(d[0].tags, vec![tag("env", "dev")]);

    elb.remove_tags(pb::RemoveTagsRequest {
        resource_arns: vec![p.lb_arn.clone()],
        tag_keys: vec!["env".into(), "absent".into()],
    })
    .await
    .unwrap();
    let d = elb
        .describe_tags(describe(&[&p.lb_arn]))
        .await
        .unwrap()
        .into_inner()
        .tag_descriptions;
    assert_eq!(d[0].tags, vec![tag("team", "a")]);
    let err = elb
        .remove_tags(pb::RemoveTagsRequest {
            resource_arns: vec![p.lb_arn.clone()],
            tag_keys: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationError");
}
