/* 三送三促 offline app: 认领岗位 and 服务承诺. The chosen community's posts come from the catalogue. */
(function (root) {
  'use strict';

  const S = root.Sansong;
  const F = S.forms;

  function postChoice(post, categories, index) {
    const id = 'claim-post-' + index;
    const label = F.text('label', undefined, 'choice post-choice');
    label.htmlFor = id;
    const input = document.createElement('input');
    Object.assign(input, {type: 'checkbox', id: id, name: 'posts', value: post.code});
    label.append(input, ' ', F.text('strong', post.title), ' ',
      F.text('span', post.code + ' · ' + (categories[post.category] || post.category) + (post.role ? ' · ' + post.role : ''), 'meta'));
    if (post.duties) label.append(F.text('span', post.duties, 'duties'));
    return label;
  }

  function showPosts(form, catalogue) {
    const box = F.$('[data-posts]', form);
    const community = F.value(form, 'community');
    const categories = {};
    catalogue.categories.forEach(function (c) { categories[c.code] = c.name; });
    const posts = catalogue.posts.filter(function (p) { return p.community === community; });
    F.fill(box, []);
    if (!community) { box.append(F.text('p', '请先选择社区。', 'muted')); return; }
    if (!posts.length) { box.append(F.text('p', '该社区暂未公布服务岗位。', 'muted')); return; }
    posts.forEach(function (post, i) { box.append(postChoice(post, categories, i + 1)); });
  }

  // ?post=<code> (the 认领 link on a post's page): that post's community, with the post ticked.
  function preselect(form, catalogue, code) {
    const post = code && catalogue.posts.find(function (p) { return p.code === code; });
    if (post) form.elements.community.value = post.community;
    showPosts(form, catalogue);
    if (post) {
      const box = F.$all('input[name="posts"]', form).find(function (input) { return input.value === post.code; });
      if (box) box.checked = true;
    }
  }

  function build(form) {
    return S.records.newRecord('claim', F.value(form, 'card'), {
      community: F.value(form, 'community'),
      posts: F.checked(form, 'posts'),
      roles: F.checked(form, 'roles'),
      pledge: F.value(form, 'pledge'),
      deadline: F.optional(form, 'deadline'),
    });
  }

  F.ready(function () {
    const form = document.getElementById('claim-form');
    const catalogue = F.loadCatalogue();
    F.attach(form, {
      build: build,
      savedMessage: '岗位认领与服务承诺已保存在本手机上。记得在“我的记录”中导出并发送给社区。',
      saved: function () { F.clearFields(form); catalogue.then(function (c) { showPosts(form, c); }); },
    }).then(function () { return catalogue; })
      .then(function (c) { preselect(form, c, F.params().get('post')); })
      .catch(function (error) { F.failed(form, error); });
    form.elements.community.addEventListener('change', function () {
      catalogue.then(function (c) { showPosts(form, c); });
    });
  });
})(self);
